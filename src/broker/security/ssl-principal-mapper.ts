interface Rule {
  readonly pattern: RegExp | null;
  readonly replacement: string;
  readonly caseChange: '' | 'L' | 'U';
}

const RULE = /^\s*(DEFAULT|RULE:((?:\\\/|[^/])*)\/((?:\\\/|[^/])*)\/([LU]?))\s*(?:,|$)/;

/**
 * `ssl.principal.mapping.rules` (KIP-371): `RULE:<regex>/<replacement>/[L|U]` and `DEFAULT`,
 * comma-separated; the first rule whose regex matches the whole distinguished name gives the
 * user name, DEFAULT gives the name unchanged.
 */
export class SslPrincipalMapper {
  private readonly rules: Rule[] = [];

  constructor(text: string) {
    let rest = text.trim();
    while (rest !== '') {
      const match = RULE.exec(rest);
      if (!match) throw new Error(`Invalid rule: ${rest}`);
      if (match[1] === 'DEFAULT') this.rules.push({ pattern: null, replacement: '', caseChange: '' });
      else this.rules.push({ pattern: new RegExp(`^(?:${match[2]!.replace(/\\\//g, '/')})$`), replacement: match[3]!.replace(/\\\//g, '/'), caseChange: match[4] as '' | 'L' | 'U' });
      rest = rest.slice(match[0].length).trim();
    }
    if (this.rules.length === 0) this.rules.push({ pattern: null, replacement: '', caseChange: '' });
  }

  /** The user name for a distinguished name, or the DN itself when no rule matches. */
  map(distinguishedName: string): string {
    for (const rule of this.rules) {
      if (rule.pattern === null) return distinguishedName;
      if (!rule.pattern.test(distinguishedName)) continue;
      const name = distinguishedName.replace(rule.pattern, rule.replacement);
      return rule.caseChange === 'L' ? name.toLowerCase() : rule.caseChange === 'U' ? name.toUpperCase() : name;
    }
    return distinguishedName;
  }
}

/**
 * A certificate subject as Java's X500Principal.getName() prints it (RFC 2253): most specific
 * RDN first, comma-separated. Node lists RDNs in certificate order, one per line.
 */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.indexOf('=');
      return `${line.slice(0, at)}=${line.slice(at + 1).replace(/([,+"\\<>;])/g, '\\$1')}`;
    })
    .reverse()
    .join(',');
}
