//! From the bytes of a file to text: the encodings spreadsheets save in, chosen deliberately.
//!
//! UTF-8 (with or without a byte order mark) and UTF-16 with a byte order mark are recognised
//! by themselves. Windows-1252, what Excel on Windows writes for "CSV", is used when asked for,
//! or when the bytes cannot be UTF-8 and read clearly as Windows-1252 text. Anything else is
//! refused, naming the line where the text stops making sense (never the bytes themselves).

use std::fmt;

/// An encoding Amends reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    /// Every encoding, for lists of choices.
    pub const ALL: &'static [Encoding] = &[
        Encoding::Utf8,
        Encoding::Utf16Le,
        Encoding::Utf16Be,
        Encoding::Windows1252,
    ];

    /// The name used on the command line and in forms.
    pub fn code(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Plain words for a person.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16 (little-endian, Excel's \"Unicode text\")",
            Encoding::Utf16Be => "UTF-16 (big-endian)",
            Encoding::Windows1252 => "Windows-1252 (Excel's \"CSV\" on Windows)",
        }
    }

    /// Reads a name: `utf-8`, `utf-16` (little-endian unless the file says otherwise),
    /// `utf-16le`, `utf-16be`, `windows-1252` (also `cp1252`, `latin1`, `iso-8859-1`, which
    /// spreadsheets use to mean the same), case and punctuation ignored.
    pub fn parse(text: &str) -> Option<Encoding> {
        let t: String = text
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match t.as_str() {
            "utf8" => Some(Encoding::Utf8),
            "utf16" | "utf16le" | "unicode" => Some(Encoding::Utf16Le),
            "utf16be" => Some(Encoding::Utf16Be),
            "windows1252" | "cp1252" | "latin1" | "iso88591" | "ansi" => {
                Some(Encoding::Windows1252)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why the bytes could not be read as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not in the encoding asked for, or in none Amends recognises, from this line on.
    Unreadable { line: u64, asked: Option<Encoding> },
}

/// Decodes `bytes`, in `asked` if given, otherwise as the file shows.
pub fn decode(bytes: &[u8], asked: Option<Encoding>) -> Result<(String, Encoding), DecodeError> {
    // A byte order mark says what the file is, whatever was asked.
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, Some(Encoding::Utf8)).map(|t| (t, Encoding::Utf8));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, Encoding::Utf16Le, asked).map(|t| (t, Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, Encoding::Utf16Be, asked).map(|t| (t, Encoding::Utf16Be));
    }
    match asked {
        Some(Encoding::Utf8) => utf8(bytes, asked).map(|t| (t, Encoding::Utf8)),
        Some(e @ (Encoding::Utf16Le | Encoding::Utf16Be)) => utf16(bytes, e, asked).map(|t| (t, e)),
        Some(Encoding::Windows1252) => Ok((windows_1252(bytes), Encoding::Windows1252)),
        None => match std::str::from_utf8(bytes) {
            Ok(t) => Ok((t.to_string(), Encoding::Utf8)),
            Err(e) => {
                if looks_like_windows_1252(bytes) {
                    Ok((windows_1252(bytes), Encoding::Windows1252))
                } else {
                    Err(DecodeError::Unreadable {
                        line: line_at(bytes, e.valid_up_to()),
                        asked: None,
                    })
                }
            }
        },
    }
}

/// The 1-based line of byte `at` (counting line feeds before it).
fn line_at(bytes: &[u8], at: usize) -> u64 {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

fn utf8(bytes: &[u8], asked: Option<Encoding>) -> Result<String, DecodeError> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|e| DecodeError::Unreadable {
            line: line_at(bytes, e.valid_up_to()),
            asked,
        })
}

fn utf16(bytes: &[u8], e: Encoding, asked: Option<Encoding>) -> Result<String, DecodeError> {
    let units = bytes.chunks(2).map(|pair| match (e, pair) {
        (Encoding::Utf16Be, [a, b]) => Ok(u16::from_be_bytes([*a, *b])),
        (_, [a, b]) => Ok(u16::from_le_bytes([*a, *b])),
        // An odd byte at the end: half a character.
        _ => Err(()),
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    let mut line = 1u64;
    let mut pending: Vec<u16> = Vec::new();
    for unit in units {
        let Ok(unit) = unit else {
            return Err(DecodeError::Unreadable {
                line,
                asked: asked.or(Some(e)),
            });
        };
        pending.push(unit);
        // A high surrogate waits for its partner.
        if (0xD800..0xDC00).contains(&unit) {
            continue;
        }
        for c in char::decode_utf16(pending.drain(..)) {
            match c {
                Ok(c) => {
                    if c == '\n' {
                        line += 1;
                    }
                    out.push(c);
                }
                Err(_) => {
                    return Err(DecodeError::Unreadable {
                        line,
                        asked: asked.or(Some(e)),
                    });
                }
            }
        }
    }
    if !pending.is_empty() {
        return Err(DecodeError::Unreadable {
            line,
            asked: asked.or(Some(e)),
        });
    }
    Ok(out)
}

/// Windows-1252's characters for the bytes 0x80 to 0x9F; the rest are Latin-1, which is
/// Unicode's first 256 code points. The five unassigned bytes keep their C1 code points (as
/// browsers do), which the checks on text then refuse as control characters.
const HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Whether bytes that are not UTF-8 read clearly as Windows-1252 text: no control bytes
/// (other than tab and line ends), none of the five bytes Windows-1252 leaves unassigned, and
/// most bytes above 0x7F letters (é, ñ, ü...) rather than symbols.
fn looks_like_windows_1252(bytes: &[u8]) -> bool {
    let mut high = 0usize;
    let mut letters = 0usize;
    for &b in bytes {
        match b {
            b'\t' | b'\n' | b'\r' => {}
            0x00..=0x1F | 0x7F => return false,
            0x81 | 0x8D | 0x8F | 0x90 | 0x9D => return false,
            0x80..=0xFF => {
                high += 1;
                let letter = matches!(b, 0xC0..=0xFF if b != 0xD7 && b != 0xF7)
                    || matches!(
                        b,
                        0x8A | 0x8C | 0x8E | 0x9A | 0x9C | 0x9E | 0x9F | 0xAA | 0xBA
                    );
                if letter {
                    letters += 1;
                }
            }
            _ => {}
        }
    }
    high > 0 && letters * 2 >= high
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_decodes_the_special_range() {
        let t = windows_1252(&[0x80, b' ', 0x93, b'x', 0x94, b' ', 0xF1]);
        assert_eq!(t, "\u{20AC} \u{201C}x\u{201D} ñ");
    }

    #[test]
    fn names_of_encodings() {
        assert_eq!(Encoding::parse("UTF-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::parse("cp1252"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::parse("Latin-1"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::parse("utf16"), Some(Encoding::Utf16Le));
        assert_eq!(Encoding::parse("ebcdic"), None);
        for e in Encoding::ALL {
            assert_eq!(Encoding::parse(e.code()), Some(*e));
        }
    }

    #[test]
    fn control_bytes_are_not_windows_1252() {
        assert!(!looks_like_windows_1252(&[b'a', 0x00, 0xE9]));
        assert!(!looks_like_windows_1252(&[b'a', 0x81]));
        assert!(looks_like_windows_1252(b"Jos\xe9,Se\xf1or"));
        // Mostly symbols: not clearly text.
        assert!(!looks_like_windows_1252(&[0xA4, 0xA6, 0xA7, 0xB1, 0xE9]));
    }
}
