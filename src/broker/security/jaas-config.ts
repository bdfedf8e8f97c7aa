/**
 * One login module entry of a JAAS config as Kafka's `sasl.jaas.config` holds it:
 * `org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";`.
 */
export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

/** Parses `sasl.jaas.config` (one or more entries, each ending with `;`). Throws with a readable message. */
export function parseJaasConfig(text: string): JaasEntry[] {
  const entries: JaasEntry[] = [];
  let rest = text.trim();
  while (rest !== '') {
    const head = /^([A-Za-z0-9_.$]+)\s+(required|requisite|sufficient|optional)\b/.exec(rest);
    if (!head) throw new Error(`expected "<LoginModule> required ...;" at: ${rest.slice(0, 40)}`);
    rest = rest.slice(head[0].length).trim();
    const options = new Map<string, string>();
    while (!rest.startsWith(';')) {
      const option = /^([A-Za-z0-9_.-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s;"]+)\s*/.exec(rest);
      if (!option) throw new Error(`expected key=value or ";" at: ${rest.slice(0, 40)}`);
      options.set(option[1]!, option[3] !== undefined ? option[3].replace(/\\(.)/g, '$1') : option[2]!);
      rest = rest.slice(option[0].length);
    }
    rest = rest.slice(1).trim();
    entries.push({ loginModule: head[1]!, flag: head[2]!, options });
  }
  return entries;
}

/** PLAIN users of a `PlainLoginModule` entry: its `user_<name>="<password>"` options. */
export function plainUsersOf(entries: readonly JaasEntry[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const entry of entries) {
    for (const [key, value] of entry.options) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  }
  return users;
}
