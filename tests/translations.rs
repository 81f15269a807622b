//! The French translation is complete and exact: every text of the templates and of the
//! code has its French, each French text keeps the placeholders of its English, and no
//! French text is left over from a text the product no longer shows.
//!
//! `locales/fr.yml` holds one entry per line, `"English": "French"`, both quoted as JSON
//! strings (a subset of YAML that keeps each entry on one reviewable line).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use partnerdesk::i18n::{Locale, is_translated};
use regex::Regex;

/// A quoted string literal, as Rust and the templates write it.
const LITERAL: &str = r#""((?:[^"\\]|\\.)*)""#;

fn files(dir: &str, extensions: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, extensions: &[&str], found: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, extensions, found);
            } else if path
                .extension()
                .is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
        extensions,
        &mut found,
    );
    found.sort();
    found
}

fn unescape(literal: &str) -> String {
    let mut text = String::new();
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some(other @ ('"' | '\\' | '\'')) => text.push(other),
            Some('u') => {
                let code: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                text.extend(u32::from_str_radix(&code, 16).ok().and_then(char::from_u32));
            }
            other => panic!("unexpected escape \\{other:?} in {literal:?}"),
        }
    }
    text
}

/// The translations of `locales/fr.yml`, English → French.
fn french() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/fr.yml");
    let mut entries = BTreeMap::new();
    for (number, line) in fs::read_to_string(path).unwrap().lines().enumerate() {
        if line.is_empty() || line.starts_with('#') || line.starts_with("_version:") {
            continue;
        }
        let entry: BTreeMap<String, String> = serde_json::from_str(&format!("{{{line}}}"))
            .unwrap_or_else(|e| {
                panic!(
                    "fr.yml line {}: not `\"English\": \"French\"`: {e}",
                    number + 1
                )
            });
        for (english, french) in entry {
            assert!(
                entries.insert(english.clone(), french).is_none(),
                "fr.yml line {}: {english:?} is translated twice",
                number + 1
            );
        }
    }
    entries
}

/// The texts the templates translate: `t("…")`, `t1("…", …)`, …
fn template_texts() -> BTreeMap<String, String> {
    let call = Regex::new(&format!(r"\.t[123]?\(\s*{LITERAL}")).unwrap();
    let mut texts = BTreeMap::new();
    for path in files("templates", &["html", "txt"]) {
        let source = fs::read_to_string(&path).unwrap();
        for found in call.captures_iter(&source) {
            texts.insert(unescape(&found[1]), path.display().to_string());
        }
    }
    texts
}

/// The texts the code hands to the translation: `t("…")`, `Text::new("…")`, messages of
/// errors, labels of the domain's values, constant messages.
fn code_texts() -> BTreeMap<String, String> {
    let patterns = [
        format!(r"\bt[123]?\(\s*{LITERAL}"),
        format!(r"Text::new\(\s*{LITERAL}"),
        format!(r"\.text\(\s*{LITERAL},\s*{LITERAL}"),
        format!(r"(?:bad_request|forbidden|conflict|not_found)\(\s*{LITERAL}"),
        format!(r"(?:Invalid|NotAllowed|Conflict)\(\s*{LITERAL}"),
        // A message shown once on the next page.
        format!(r"FlashKind::\w+,\s*{LITERAL}"),
        // A sentence made a text (`"…".into()`): a subject, a paragraph.
        r#"("(?:[^"\\]|\\.)* (?:[^"\\]|\\.)*")\s*\.into\(\)"#.to_owned(),
        format!(r"\|_\|\s*{LITERAL}"),
        format!(r"=>\s*\(\s*{LITERAL},"),
        format!(r"map_or\(\s*{LITERAL}"),
        // A constant message: a sentence.
        r#"const [A-Z_]+: &str =\s*("(?:[^"\\]|\\.)* (?:[^"\\]|\\.)*\.")"#.to_owned(),
    ]
    .map(|p| Regex::new(&p).unwrap());
    let label_fn =
        Regex::new(r"(?s)fn (?:label|in_sentence)\(self\) -> &'static str \{(.*?)\n    \}")
            .unwrap();
    let arm = Regex::new(&format!(r"=>\s*{LITERAL}")).unwrap();
    let mut texts = BTreeMap::new();
    for path in files("src", &["rs"]) {
        // The demo's names, and what the operator reads on the console, stay as written.
        if ["demo.rs", "main.rs", "config.rs", "db/url.rs"]
            .iter()
            .any(|file| path.ends_with(file))
        {
            continue;
        }
        let source = fs::read_to_string(&path).unwrap();
        let source = without_tests(&source);
        let mut add = |literal: &str| {
            let text = unescape(literal.trim_matches('"'));
            // Separators and paths are not texts.
            if text.chars().any(char::is_alphabetic) {
                texts.insert(text, path.display().to_string());
            }
        };
        for pattern in &patterns {
            for found in pattern.captures_iter(source) {
                // `.text("name", "text")`: the second is the text.
                add(found.iter().skip(1).flatten().last().unwrap().as_str());
            }
        }
        for body in label_fn.captures_iter(source) {
            for found in arm.captures_iter(&body[1]) {
                add(&found[1]);
            }
        }
    }
    texts
}

fn without_tests(source: &str) -> &str {
    source.split("#[cfg(test)]").next().unwrap_or_default()
}

/// The code (tests aside) and the templates, as one text.
fn all_sources() -> String {
    files("src", &["rs"])
        .into_iter()
        .chain(files("templates", &["html", "txt"]))
        .map(|path| without_tests(&fs::read_to_string(&path).unwrap()).to_owned())
        .collect()
}

/// `text` as a string literal of the sources writes it.
fn quoted(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let placeholder = Regex::new(r"%\{(\w+)\}").unwrap();
    placeholder
        .captures_iter(text)
        .map(|c| c[1].to_owned())
        .collect()
}

#[test]
fn every_text_of_the_templates_and_the_code_has_its_french() {
    let french = french();
    let mut texts = template_texts();
    texts.extend(code_texts());
    assert!(texts.len() > 300, "only {} texts were found", texts.len());
    let missing: Vec<String> = texts
        .iter()
        .filter(|(text, _)| !french.contains_key(*text))
        .map(|(text, file)| format!("{file}: {text:?}"))
        .collect();
    assert!(missing.is_empty(), "untranslated:\n{}", missing.join("\n"));
    // And the application finds them where the file says.
    for text in texts.keys() {
        assert!(is_translated(Locale::Fr, text), "{text:?}");
    }
}

#[test]
fn each_french_text_keeps_the_placeholders_of_its_english() {
    for (english, french) in french() {
        assert_eq!(
            placeholders(&english),
            placeholders(&french),
            "{english:?} → {french:?}"
        );
        assert!(!french.trim().is_empty(), "{english:?} has an empty French");
    }
}

#[test]
fn no_french_text_is_left_over() {
    let sources = all_sources();
    let unused: Vec<String> = french()
        .into_keys()
        .filter(|english| !sources.contains(&quoted(english)))
        .collect();
    assert!(
        unused.is_empty(),
        "translated, but not shown anywhere:\n{}",
        unused.join("\n")
    );
}
