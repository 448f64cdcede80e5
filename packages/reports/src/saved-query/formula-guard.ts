import { formulaTriggerCharacters } from '../formula-escape.ts';

/**
 * The TypeScript twin of `neutraliseFormulaSql` (formula-escape.ts), for the synchronous
 * export, which writes its CSV here rather than through `COPY`: a text cell starting with a
 * formula trigger (= + - @ tab CR) gets a leading single quote. Text cells only; a negative
 * number stays a number.
 */
export function neutraliseFormula(text: string): string {
  return (formulaTriggerCharacters as readonly string[]).includes(text.charAt(0)) ? `'${text}` : text;
}
