//! The app's command list is written in six places: the shell's `generate_handler!`, the app
//! manifest that gives each command a permission (`src-tauri/build.rs`), the main window's
//! capability that grants them (`tauri.conf.json`), the UI's typed wrappers
//! (`ui/src/lib/platform/`), the page tests' fake backend and `docs/ipc.md`. This test reads
//! all six and fails when they disagree, naming what is missing where.

use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Names quoted right after `prefix` (`case '` -> the case labels).
fn quoted_after(text: &str, prefix: &str, quote: char) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        rest = &rest[at + prefix.len()..];
        if let Some(end) = rest.find(quote) {
            out.insert(rest[..end].to_string());
        }
    }
    out
}

/// The commands the shell registers.
fn shell() -> BTreeSet<String> {
    let main = read("src-tauri/src/main.rs");
    let start = main
        .find("generate_handler![")
        .expect("the shell registers its commands with generate_handler!");
    let list = &main[start + "generate_handler![".len()..];
    let list = &list[..list.find(']').expect("the end of the command list")];
    list.split(',')
        .map(|c| c.trim().rsplit("::").next().unwrap_or("").to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The command names in TypeScript calls: `call<T>('name'` and `invoke<T>('name'`.
fn called_commands(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for call in ["call<", "invoke<"] {
        let mut rest = text;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            // The generic may hold anything but `('`.
            let Some(open) = rest.find("('") else { break };
            let after = &rest[open + 2..];
            if let Some(end) = after.find('\'') {
                out.insert(after[..end].to_string());
            }
        }
    }
    out
}

/// The commands the UI calls.
fn ui() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/platform");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("ui/src/lib/platform") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "ts") {
            let text = std::fs::read_to_string(&path).expect("read a platform file");
            out.extend(called_commands(&text));
        }
    }
    out.retain(|c| !c.starts_with("plugin:"));
    out
}

/// The commands the page tests' fake backend answers.
fn fake_backend() -> BTreeSet<String> {
    let mut out = quoted_after(&read("tests/ui/fake-backend.js"), "case '", '\'');
    out.retain(|c| !c.starts_with("plugin:"));
    out
}

/// The commands `docs/ipc.md` documents (the first cell of its table rows).
fn docs() -> BTreeSet<String> {
    read("docs/ipc.md")
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
        .map(str::to_string)
        .collect()
}

/// The commands the app manifest gives a permission (`src-tauri/build.rs`).
fn manifest() -> BTreeSet<String> {
    let build = read("src-tauri/build.rs");
    let start = build
        .find("COMMANDS: &[&str] = &[")
        .expect("the manifest's list");
    let list = &build[start..];
    let list = &list[list.find('[').expect("its start")..list.find("];").expect("its end")];
    // The text between each pair of double quotes.
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The app commands the main window's capability grants (`allow-app-status` -> `app_status`).
fn granted() -> BTreeSet<String> {
    let conf: serde_json::Value =
        serde_json::from_str(&read("tauri.conf.json")).expect("tauri.conf.json is JSON");
    let caps = conf["app"]["security"]["capabilities"]
        .as_array()
        .expect("capabilities");
    assert_eq!(caps.len(), 1, "one capability, for the main window");
    assert_eq!(caps[0]["windows"], serde_json::json!(["main"]));
    caps[0]["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.contains(':'))
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|c| c.replace('-', "_"))
        .collect()
}

#[test]
fn the_shell_the_ui_the_fake_backend_and_the_docs_name_the_same_commands() {
    let shell = shell();
    assert!(
        shell.len() > 40 && shell.contains("mail_send") && shell.contains("choose_files"),
        "the shell's command list was read: {shell:?}"
    );
    let mut problems = Vec::new();
    for (name, other) in [
        ("the app manifest (src-tauri/build.rs)", manifest()),
        ("the main capability (tauri.conf.json)", granted()),
        ("ui/src/lib/platform", ui()),
        ("tests/ui/fake-backend.js", fake_backend()),
        ("docs/ipc.md", docs()),
    ] {
        for c in shell.difference(&other) {
            problems.push(format!(
                "{c} is registered by the shell but missing from {name}"
            ));
        }
        for c in other.difference(&shell) {
            problems.push(format!(
                "{c} is in {name} but the shell does not register it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_readers_find_what_they_look_for() {
    let ts =
        "x: () => call<Foo[]>('list_things', { a }),\ny: () => invoke<string | null>('pick', {})";
    assert_eq!(
        called_commands(ts),
        BTreeSet::from(["list_things".to_string(), "pick".to_string()])
    );
    assert_eq!(
        quoted_after("case 'a':\ncase 'b': {", "case '", '\''),
        BTreeSet::from(["a".to_string(), "b".to_string()])
    );
}
