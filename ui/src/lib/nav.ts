export type ViewId = 'conversation' | 'letters' | 'diary' | 'memories' | 'settings';

export interface ViewEntry {
  id: ViewId;
  label: string;
  /** The digit that, with Ctrl (Cmd on macOS), opens this view. */
  key: string;
}

export const VIEWS: readonly ViewEntry[] = [
  { id: 'conversation', label: 'Conversation', key: '1' },
  { id: 'letters', label: 'Letters', key: '2' },
  { id: 'diary', label: 'Diary', key: '3' },
  { id: 'memories', label: 'Memories', key: '4' },
  { id: 'settings', label: 'Settings', key: '5' },
];

type KeyLike = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/** The view a keyboard shortcut asks for, if it is one of ours. */
export function viewForShortcut(event: KeyLike, mac: boolean): ViewId | null {
  const modifier = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (!modifier || event.altKey || event.shiftKey) return null;
  return VIEWS.find((v) => v.key === event.key)?.id ?? null;
}

export function isMac(platform: string): boolean {
  return /mac|iphone|ipad/i.test(platform);
}
