// Unified social credit codes (GB 32100-2015), checked as foundation/credit_code validates them:
// 18 characters of a 31-character alphabet (no I, O, Z, S, V), digits in the division (characters 3-8),
// and the check character over the first 17 with the standard's weights.

export const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
export const LENGTH = 18;

export function checkCharacter(first17) {
  let total = 0;
  for (let index = 0; index < 17; index += 1) {
    total += ALPHABET.indexOf(first17[index]) * WEIGHTS[index];
  }
  return ALPHABET[(31 - (total % 31)) % 31];
}

// {ok: true, code} with the code normalised (trimmed, upper case), or {ok: false, reason, ...} where reason
// is one of "length", "characters", "division", "check".
export function checkCreditCode(text) {
  const code = String(text).trim().toUpperCase();
  if (code.length !== LENGTH) {
    return { ok: false, code, reason: "length", length: code.length };
  }
  const bad = [...new Set([...code].filter((char) => !ALPHABET.includes(char)))].sort();
  if (bad.length) {
    return { ok: false, code, reason: "characters", characters: bad.join("") };
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) {
    return { ok: false, code, reason: "division" };
  }
  const expected = checkCharacter(code.slice(0, 17));
  if (expected !== code[17]) {
    return { ok: false, code, reason: "check", expected };
  }
  return { ok: true, code };
}
