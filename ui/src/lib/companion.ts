/**
 * The persona, first-run and memory commands. Until the generated bindings
 * carry them, their types are declared here to the exact shape the Rust side
 * defines (specta output); once `bindings.ts` is regenerated, this file only
 * re-exports from it.
 */
import { commands as generated, type AppError, type Result } from './bindings';

export type Persona = { companionName: string; voice: string; userName: string; addressStyle: string; hopes: string };
export type SetupAnswers = { userName: string; addressStyle: string; hopes: string };
export type Introduction = { name: string; voice: string; words: string };
export type MemoryKind = 'person' | 'date' | 'preference' | 'plan' | 'event' | 'feeling' | 'fact';
export type Memory = {
  id: number;
  text: string;
  kind: MemoryKind;
  /** 1 (a small thing) to 5 (deeply important). */
  importance: number;
  sourceMessageId: number | null;
  /** UTC milliseconds since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
  lastRecalledAt: number | null;
};
export type MemoryDraft = { text: string; kind: MemoryKind; importance: number };

interface CompanionCommands {
  getPersona(): Promise<Result<Persona | null, AppError>>;
  savePersona(persona: Persona, introduction: string | null): Promise<Result<Persona, AppError>>;
  introduce(answers: SetupAnswers): Promise<Result<Introduction, AppError>>;
  listMemories(query: string | null, limit: number): Promise<Result<Memory[], AppError>>;
  updateMemory(id: number, draft: MemoryDraft): Promise<Result<Memory, AppError>>;
  deleteMemory(id: number): Promise<Result<boolean, AppError>>;
}

export const commands = generated as unknown as typeof generated & CompanionCommands;
