/**
 * Records Content-Security-Policy violations. Nothing in Hearth should ever
 * trip the policy; the end-to-end tests read this list and fail if it isn't empty.
 */
export interface Violation {
  directive: string;
  blocked: string;
}

export function watchCspViolations(target: Document = document): Violation[] {
  const seen: Violation[] = [];
  target.addEventListener('securitypolicyviolation', (event) => {
    const e = event as SecurityPolicyViolationEvent;
    seen.push({ directive: e.violatedDirective, blocked: e.blockedURI });
    console.error(`CSP blocked ${e.blockedURI || 'inline content'} (${e.violatedDirective})`);
  });
  return seen;
}
