//! The architecture in `src/lib.rs` holds: each top-level module names (`crate::…`) only the
//! modules of earlier layers, and the use-case modules of `api` import each other without a
//! cycle. The layer order is read from the `Layers:` line of `src/lib.rs`, so the picture and
//! this check cannot drift apart.
//!
//! What is read: every `crate::NAME` and, inside `api`, every `super::…`/`crate::api::…` path
//! of non-test code (the in-file `#[cfg(test)] mod tests` and test-only files are left out; so
//! are comment lines, where doc links may point anywhere).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/api/mail/send.rs` -> `["api", "mail", "send"]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// Files that exist only for tests.
fn test_only(file: &Path) -> bool {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    matches!(name.as_deref(), Some("tests.rs" | "bindings.rs"))
}

/// The non-test, non-comment code of a file.
fn code_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("read a source file");
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or("");
        if t.starts_with("#[cfg(test)]") && next.starts_with("mod tests") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every identifier that follows `prefix` in `code` (`crate::` -> `pki`, `api`, ...).
fn names_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 {
            out.push(&rest[..end]);
        }
    }
    out
}

/// The layers of `src/lib.rs`, in order: `Layers: a, b -> c -> …`.
fn layers() -> Vec<BTreeSet<String>> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("read lib.rs");
    let line = lib
        .lines()
        .find_map(|l| l.trim_start_matches("//!").trim().strip_prefix("Layers:"))
        .expect("src/lib.rs states its layers on a line `//! Layers: a -> b -> …`");
    line.split("->")
        .map(|group| {
            group
                .split(',')
                .map(|m| m.trim().trim_matches('`').to_string())
                .filter(|m| !m.is_empty())
                .collect()
        })
        .collect()
}

#[test]
fn every_module_uses_only_earlier_layers() {
    let layers = layers();
    let layer_of = |m: &str| layers.iter().position(|g| g.contains(m));
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut declared: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(file);
        let Some(top) = module.first() else { continue };
        if top == "bin" {
            continue;
        }
        declared.insert(top.clone());
        let Some(mine) = layer_of(top) else {
            problems.push(format!("{top} is not in the Layers line of src/lib.rs"));
            continue;
        };
        if test_only(file) {
            continue;
        }
        for used in names_after(&code_of(file), "crate::") {
            if used == top.as_str() {
                continue;
            }
            match layer_of(used) {
                Some(l) if l < mine => {}
                _ => problems.push(format!(
                    "{} uses crate::{used}, which is not in an earlier layer",
                    file.display()
                )),
            }
        }
    }
    let listed: BTreeSet<String> = layers.iter().flatten().cloned().collect();
    for m in listed.difference(&declared) {
        problems.push(format!("the Layers line names {m}, which has no source"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn only_the_use_cases_that_go_online_name_the_network() {
    // The modules that may name `crate::net` or `crate::mail` (the network): the mail
    // transport itself, and the use cases that sync, send, test accounts or refresh
    // revocation; and the wire types, which name the mail transport's enums (TLS mode, error
    // kind). Opening or rendering a message (`api::message`, `message`) never may.
    let allowed: [&[&str]; 4] = [
        &["mail"],
        &["api", "mail"],
        &["api", "certs", "revocation"],
        &["api", "json"],
    ];
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(file);
        if module.first().is_none_or(|m| m == "bin" || m == "net") || test_only(file) {
            continue;
        }
        let code = code_of(file);
        let names: Vec<&str> = names_after(&code, "crate::");
        let online = names.iter().any(|n| *n == "net" || *n == "mail");
        let ok = allowed
            .iter()
            .any(|a| module.starts_with(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
        if online && !ok && module != ["mail"] {
            problems.push(format!(
                "{} names the network (crate::net or crate::mail)",
                file.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Where each name defined in `api` lives (its use-case module, one level below `api`).
fn api_definitions(files: &[PathBuf]) -> BTreeMap<String, String> {
    let mut defs = BTreeMap::new();
    for file in files {
        let module = module_of(file);
        if module.len() < 2 || module[0] != "api" {
            continue;
        }
        let code = code_of(file);
        for kw in [
            "pub struct ",
            "pub enum ",
            "pub type ",
            "pub fn ",
            "pub trait ",
        ] {
            for name in names_after(&code, kw) {
                defs.entry(name.to_string())
                    .or_insert_with(|| module[1].clone());
            }
        }
    }
    defs
}

/// The api use-case modules that `file` (inside `api::node`) imports.
fn api_edges(file: &Path, node: &str, defs: &BTreeMap<String, String>) -> BTreeSet<String> {
    let module = module_of(file);
    let code = code_of(file);
    let mut out = BTreeSet::new();
    let mut resolve = |name: &str| {
        let target = if defs.values().any(|m| m == name) {
            Some(name.to_string())
        } else {
            defs.get(name).cloned()
        };
        if let Some(t) = target
            && t != node
        {
            out.insert(t);
        }
    };
    for name in names_after(&code, "crate::api::") {
        resolve(name);
    }
    // `super::X` from a file two levels deep (api/x/y.rs) stays inside `x`; from a file
    // directly in api (api/x.rs or api/x/mod.rs) it names another use-case module.
    if module.len() == 2 {
        for name in names_after(&code, "super::") {
            resolve(name);
        }
    }
    // `crate::api::{a, b}` and `super::{a, b}` groups.
    for prefix in ["crate::api::{", "super::{"] {
        if prefix == "super::{" && module.len() != 2 {
            continue;
        }
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            let group = &rest[..rest.find('}').unwrap_or(rest.len())];
            for item in group.split(',') {
                let first = item.trim().split("::").next().unwrap_or("").trim();
                if !first.is_empty() {
                    resolve(first);
                }
            }
        }
    }
    out
}

#[test]
fn api_use_cases_import_each_other_without_a_cycle() {
    let mut files = Vec::new();
    rust_files(&src().join("api"), &mut files);
    let defs = api_definitions(&files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file);
        if module.len() < 2 || test_only(file) {
            continue; // api/mod.rs is the facade: it declares and re-exports
        }
        let node = module[1].clone();
        let edges = api_edges(file, &node, &defs);
        graph.entry(node).or_default().extend(edges);
    }
    assert!(
        graph.contains_key("json") && graph.contains_key("mail"),
        "the api folders were read: {:?}",
        graph.keys().collect::<Vec<_>>()
    );
    assert!(
        graph.get("json").is_some_and(|e| e.is_empty()),
        "api::json is the leaf of the wire types and imports no use case: {:?}",
        graph.get("json")
    );
    // Depth-first search for a cycle; the path found is printed.
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut cycle = path[at..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(cycle) = visit(n, &graph, &mut Vec::new(), &mut done) {
            panic!("a module cycle in api: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_finds_a_crate_path_and_skips_comments_and_tests() {
    let code = "use crate::pki::cert;\n// crate::api in a comment\nlet x = my_crate::y;\n";
    assert_eq!(names_after(code, "crate::"), vec!["pki", "api"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("x.rs");
    std::fs::write(
        &f,
        "use crate::pki::cert;\n// crate::api::x\n#[cfg(test)]\nmod tests {\n    use crate::api::Home;\n}\n",
    )
    .expect("write");
    assert_eq!(names_after(&code_of(&f), "crate::"), vec!["pki"]);
}

/// Functions longer than a screen, each with the length it may not exceed. The list only
/// shrinks: split a function and take it off; a new long function fails the test.
const LONG_FUNCTIONS: &[(&str, &str, usize)] = &[
    ("cms/verify.rs", "verify_one", 150),
    ("cms/sign.rs", "sign", 136),
    ("cms/envelope.rs", "decrypt_cow", 124),
    ("pki/revocation/ocsp.rs", "verify_response", 118),
    ("cms/envelope.rs", "encrypt_parts", 100),
    ("pki/signature.rs", "verify", 95),
    ("pki/validate/mod.rs", "check_path", 93),
    ("pki/revocation/crl.rs", "from_der", 89),
    ("smime/mod.rs", "open_entity", 88),
];

/// The longest a function may be: a screen.
const MAX_LINES: usize = 80;

/// (name, first line, lines) of each function in `code`: from its `fn` line to the closing
/// brace at the same indentation.
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        let sig = ["pub(crate) ", "pub(super) ", "pub ", "async ", "const "]
            .iter()
            .fold(t, |s, p| s.strip_prefix(p).unwrap_or(s));
        let Some(rest) = sig.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || t.trim_end().ends_with(';') {
            continue;
        }
        let close = format!("{indent}}}");
        if let Some(end) = lines[i..].iter().position(|l| l.trim_end() == close) {
            out.push((name, i + 1, end + 1));
        }
    }
    out
}

#[test]
fn functions_stay_a_screen_long() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    rust_files(&root.join("src-tauri/src"), &mut files);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for file in files.iter().filter(|f| !test_only(f)) {
        let rel = file
            .strip_prefix(src())
            .or_else(|_| file.strip_prefix(root))
            .expect("a source file")
            .to_string_lossy()
            .into_owned();
        for (name, line, len) in functions(&code_of(file)) {
            let allowed = LONG_FUNCTIONS
                .iter()
                .find(|(f, n, _)| *f == rel && *n == name)
                .map(|(_, _, max)| *max);
            if allowed.is_some() {
                seen.insert((rel.clone(), name.clone()));
            }
            let max = allowed.unwrap_or(MAX_LINES);
            if len > max {
                problems.push(format!(
                    "{rel}:{line} {name} has {len} lines (at most {max})"
                ));
            }
        }
    }
    for (f, n, _) in LONG_FUNCTIONS {
        if !seen.contains(&(f.to_string(), n.to_string())) {
            problems.push(format!(
                "{f} {n} is gone or renamed: take it off LONG_FUNCTIONS"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_function_reader_measures_from_fn_to_its_brace() {
    let code = "impl X {\n    pub fn a(&self) {\n        if x {\n        }\n    }\n    fn b();\n}\nfn c() {}\n";
    assert_eq!(functions(code), vec![("a".to_string(), 2, 4)]);
}
