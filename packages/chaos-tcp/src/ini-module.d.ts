// The ini package ships no types; we use only parse().
declare module 'ini' {
  export function parse(text: string): Record<string, unknown>;
}
