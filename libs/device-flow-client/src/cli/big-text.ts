/**
 * A 5-row block font for user codes, so the code on a terminal can be read from across the room
 * (RFC 8628 §3.3: the device displays the code for the user to type elsewhere).
 */
const GLYPHS: Record<string, string> = {
  A: ' ### ,#   #,#####,#   #,#   #',
  B: '#### ,#   #,#### ,#   #,#### ',
  C: ' ####,#    ,#    ,#    , ####',
  D: '#### ,#   #,#   #,#   #,#### ',
  E: '#####,#    ,#### ,#    ,#####',
  F: '#####,#    ,#### ,#    ,#    ',
  G: ' ####,#    ,#  ##,#   #, ####',
  H: '#   #,#   #,#####,#   #,#   #',
  I: '#####,  #  ,  #  ,  #  ,#####',
  J: '#####,   # ,   # ,#  # , ##  ',
  K: '#   #,#  # ,###  ,#  # ,#   #',
  L: '#    ,#    ,#    ,#    ,#####',
  M: '#   #,## ##,# # #,#   #,#   #',
  N: '#   #,##  #,# # #,#  ##,#   #',
  O: ' ### ,#   #,#   #,#   #, ### ',
  P: '#### ,#   #,#### ,#    ,#    ',
  Q: ' ### ,#   #,# # #,#  # , ## #',
  R: '#### ,#   #,#### ,#  # ,#   #',
  S: ' ####,#    , ### ,    #,#### ',
  T: '#####,  #  ,  #  ,  #  ,  #  ',
  U: '#   #,#   #,#   #,#   #, ### ',
  V: '#   #,#   #,#   #, # # ,  #  ',
  W: '#   #,#   #,# # #,## ##,#   #',
  X: '#   #, # # ,  #  , # # ,#   #',
  Y: '#   #, # # ,  #  ,  #  ,  #  ',
  Z: '#####,   # ,  #  , #   ,#####',
  '0': ' ### ,#  ##,# # #,##  #, ### ',
  '1': '  #  , ##  ,  #  ,  #  , ### ',
  '2': ' ### ,#   #,  ## , #   ,#####',
  '3': '#### ,    #, ### ,    #,#### ',
  '4': '#   #,#   #,#####,    #,    #',
  '5': '#####,#    ,#### ,    #,#### ',
  '6': ' ### ,#    ,#### ,#   #, ### ',
  '7': '#####,    #,   # ,  #  ,  #  ',
  '8': ' ### ,#   #, ### ,#   #, ### ',
  '9': ' ### ,#   #, ####,    #, ### ',
  '-': '   ,   ,###,   ,   ',
  ' ': '  ,  ,  ,  ,  ',
};

/** True when every character of `text` has a glyph. */
export function canRenderBig(text: string): boolean {
  return [...text.toUpperCase()].every((c) => c in GLYPHS);
}

/** `text` as five lines of block characters, one column of space between glyphs. */
export function bigText(text: string): string[] {
  const rows = ['', '', '', '', ''];
  for (const c of text.toUpperCase()) {
    const glyph = (GLYPHS[c] ?? GLYPHS[' ']!).split(',');
    for (let r = 0; r < 5; r++) rows[r] += glyph[r]!.replace(/#/g, '█') + ' ';
  }
  return rows.map((r) => r.trimEnd());
}
