//! The layering holds: no import circle between the modules of any crate, at any depth, and the crates depend on
//! each other only downwards (protocol <- core <- gateway, node <- the `sharegate` binary).
//!
//! A module's imports are the `crate::…` and `super::…` paths in its code (comments aside). An import between two
//! modules is lifted to the two siblings under their closest common parent (`routes::meetings::html` using
//! `routes::requests` is `routes::meetings` using `routes::requests`); a parent using its own child, or a child its
//! parent, is not a circle. Tests are left out: they may reach anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `src/routes/meetings/html.rs` is `routes::meetings::html`; `mod.rs`, `lib.rs` and `main.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|last| ["mod", "lib", "main"].contains(&last.as_str())) {
        parts.pop();
    }
    parts
}

/// The paths a line names that start at `crate::` or `super::`.
fn paths_in(line: &str) -> Vec<Vec<&str>> {
    let mut found = Vec::new();
    for (start, _) in line.match_indices("crate::").chain(line.match_indices("super::")) {
        let before = line[..start].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &line[start..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        found.push(rest[..end].split("::").filter(|p| !p.is_empty()).collect());
    }
    found
}

/// Each module's imports of its siblings (see the module documentation).
fn imports(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, file) in &modules {
        if module.iter().any(|m| m == "tests") {
            continue;
        }
        for line in std::fs::read_to_string(file).unwrap().lines() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for path in paths_in(line) {
                let (mut target, mut rest): (Module, &[&str]) = match path.split_first() {
                    Some((&"crate", rest)) => (Vec::new(), rest),
                    _ => (module.clone(), &path[..]),
                };
                while let Some((&"super", tail)) = rest.split_first() {
                    target.pop();
                    rest = tail;
                }
                for part in rest {
                    let mut deeper = target.clone();
                    deeper.push((*part).to_owned());
                    if !modules.contains_key(&deeper) {
                        break;
                    }
                    target = deeper;
                }
                let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
                if common == module.len() || common == target.len() || target.iter().any(|m| m == "tests") {
                    continue;
                }
                edges.entry(module[..=common].to_vec()).or_default().insert(target[..=common].to_vec());
            }
        }
    }
    edges
}

/// A circle through `from`, if there is one.
fn circle_from(edges: &BTreeMap<Module, BTreeSet<Module>>, from: &Module) -> Option<Vec<Module>> {
    let mut stack = vec![(from.clone(), vec![from.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((at, way)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == from {
                return Some(way.clone());
            }
            if seen.insert(next.clone()) {
                let mut longer = way.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = vec![root.join("src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        all.push(entry.unwrap().path().join("src"));
    }
    all
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let mut circles = Vec::new();
    for src in crates() {
        let edges = imports(&src);
        assert!(!edges.is_empty() || src.ends_with("src"), "{} has modules", src.display());
        for module in edges.keys() {
            if let Some(circle) = circle_from(&edges, module) {
                let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
                circles.push(format!("{}: {} -> back", src.display(), names.join(" -> ")));
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn the_checker_finds_a_circle_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("a/mod.rs"), "mod x;\n").unwrap();
    std::fs::write(src.join("a/x.rs"), "use crate::b::thing;\n// crate::c in a comment is not an import\n").unwrap();
    std::fs::write(src.join("b.rs"), "fn f() { super::a::x::g() }\n").unwrap();
    let edges = imports(src);
    let a = vec!["a".to_owned()];
    assert_eq!(circle_from(&edges, &a), Some(vec![a.clone(), vec!["b".to_owned()]]));
    std::fs::write(src.join("b.rs"), "fn f() {}\n").unwrap();
    assert_eq!(circle_from(&imports(src), &a), None);
}

/// The crates a manifest depends on that are ours, for normal builds (not dev-dependencies).
fn our_dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let table: toml::Table = text.parse().unwrap();
    table
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|deps| deps.keys().filter(|k| k.starts_with("sharegate")).cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_crates_depend_on_each_other_only_downwards() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let of = |name: &str| our_dependencies(&crates.join(name).join("Cargo.toml"));
    let set = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(of("sharegate-protocol"), set(&[]), "the contract depends on none of ours");
    assert_eq!(of("sharegate-core"), set(&["sharegate-protocol"]));
    assert_eq!(of("sharegate-gateway"), set(&["sharegate-core", "sharegate-protocol"]), "never on the node");
    assert_eq!(of("sharegate-node"), set(&["sharegate-core", "sharegate-protocol"]), "never on the gateway");
}
