/**
 * JSON a person saved: Windows editors (Notepad, PowerShell's `Out-File -Encoding utf8`) start the file with a
 * UTF-8 byte-order mark, which `JSON.parse` refuses as "Unexpected token". The mark carries no meaning in UTF-8,
 * so it is dropped; anything else is parsed (and fails) exactly as JSON.parse would.
 */
export function parseJsonText(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
}
