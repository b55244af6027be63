//! What typed text may hold. Everything staff type ends up on pages, in
//! feeds, in sitemaps and in JSON-LD, and XML 1.0 cannot carry control
//! characters at all (no escape makes U+0000 or U+001B valid), so every
//! form refuses them where they are typed, with a message by the field.
//! Output stays valid on its own too (`views::xml`, `views::structured`),
//! for text stored before these checks or by other means.

/// Whether a field is one line (an `<input>`) or may have several (a
/// `<textarea>`): tab and line breaks are allowed only in the latter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Whether `c` may be stored in a field of this kind: no control
/// characters (C0, DEL, C1) but tab and line breaks in multi-line text,
/// and not the non-characters U+FFFE and U+FFFF, which XML forbids too.
pub fn allowed(c: char, lines: Lines) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return lines == Lines::Many;
    }
    !c.is_control() && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// The first character of `text` a field of this kind must not hold.
pub fn forbidden_char(text: &str, lines: Lines) -> Option<char> {
    text.chars().find(|&c| !allowed(c, lines))
}

/// `Err` with the message shown by the field when `text` holds a
/// character it must not; `what` names the field ("title").
pub fn check(text: &str, lines: Lines, what: &str) -> Result<(), String> {
    match forbidden_char(text, lines) {
        None => Ok(()),
        Some(c) => Err(message(c, what)),
    }
}

/// The message for a field `what` that holds `c`.
pub fn message(c: char, what: &str) -> String {
    let code = u32::from(c);
    match c {
        '\t' => format!("The {what} must be one line: remove the tab (U+0009)."),
        '\n' | '\r' => format!("The {what} must be one line: remove the line break."),
        _ => format!(
            "The {what} contains the invisible control character U+{code:04X}, which pages, \
             feeds and sitemaps cannot carry: remove it (it often comes with pasted text)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_where_lines_may_be() {
        for bad in [
            "a\u{0}b",
            "bell\u{7}",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "c1\u{85}",
            "\u{FFFF}",
        ] {
            assert!(forbidden_char(bad, Lines::One).is_some(), "{bad:?}");
            assert!(forbidden_char(bad, Lines::Many).is_some(), "{bad:?}");
        }
        assert_eq!(forbidden_char("é — “quoted” 日本 🙂", Lines::One), None);
        assert_eq!(forbidden_char("two\r\nlines\tand a tab", Lines::Many), None);
        assert_eq!(forbidden_char("two\nlines", Lines::One), Some('\n'));
        assert_eq!(forbidden_char("a\ttab", Lines::One), Some('\t'));
    }

    #[test]
    fn the_message_names_the_field_and_the_character() {
        let m = check("x\u{1b}", Lines::One, "title").expect_err("refused");
        assert!(m.starts_with("The title contains"), "{m}");
        assert!(m.contains("U+001B"), "{m}");
        assert!(check("x\ny", Lines::One, "name")
            .expect_err("refused")
            .contains("one line"));
        assert_eq!(check("fine", Lines::One, "name"), Ok(()));
    }
}
