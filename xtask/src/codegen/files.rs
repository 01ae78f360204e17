//! Writing the generated files, or checking them (`--check`) with a diff.

use std::fmt::Write as _;
use std::path::Path;

use crate::codegen::client::generate_client;
use crate::codegen::load_spec;
use crate::codegen::spec::Spec;
use crate::codegen::{
    CONSTRUCTORS, FACADE, FIX, GENERATED, SPEC, VERSION_TABLE, client, constructors, docs, facade,
    project, table,
};

/// Whether to write the generated files or only compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose content changed.
    Write,
    /// Write nothing; fail when a checked-in file differs.
    Check,
}

/// The files generation produces, relative to the workspace root, with their content.
pub fn render(spec: &Spec) -> Result<Vec<(String, String)>, String> {
    let client = generate_client(spec)?;
    let variants = client::version_variants(spec, &client.file)?;
    let facade = facade::generate_facade(spec, &variants)?;
    let table = table::generate_version_table(spec, &variants)?;
    let new = constructors::generate_constructors(spec, client::types_module(&client.file)?)?;
    let mut out = vec![
        (GENERATED.to_string(), client.code),
        (CONSTRUCTORS.to_string(), new),
        (VERSION_TABLE.to_string(), table),
        (FACADE.to_string(), facade),
    ];
    let schemas = project::request_schemas(spec)?;
    out.push((
        docs::SCHEMA_CHANGES.to_string(),
        docs::schema_changes(&schemas, spec),
    ));
    out.extend(schemas);
    Ok(out)
}

/// Writes `text` to `path`, or in check mode fails with a diff when they differ.
/// Returns whether the file changed (or would change).
pub fn ensure_file_contents(path: &Path, text: &str, mode: Mode) -> Result<bool, String> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == text {
        return Ok(false);
    }
    match mode {
        Mode::Write => {
            std::fs::write(path, text)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Ok(true)
        }
        Mode::Check => {
            let diff = similar::TextDiff::from_lines(current.as_str(), text);
            let mut shown = String::new();
            let _ = write!(
                shown,
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(&format!("{} (checked in)", path.display()), "(generated)")
            );
            const MAX: usize = 8000;
            if shown.len() > MAX {
                let cut = (0..=MAX)
                    .rev()
                    .find(|&i| shown.is_char_boundary(i))
                    .unwrap_or(0);
                shown.truncate(cut);
                shown.push_str("\n... (diff cut)\n");
            }
            Err(format!(
                "{} is stale relative to {SPEC}:\n{shown}\nrun `{FIX}` and commit the result",
                path.display()
            ))
        }
    }
}

/// Runs the whole generator against the workspace at `root`.
/// Returns the files that changed (in write mode), written or removed.
pub fn codegen(root: &Path, mode: Mode) -> Result<Vec<String>, String> {
    let spec = load_spec(&root.join(SPEC))?;
    let mut changed = Vec::new();
    let mut stale = Vec::new();
    let mut files = render(&spec)?;
    files.extend(docs::render_documents(&spec, root)?);
    // The size table counts the files as this run leaves them.
    if let Some(sizes) = crate::codegen::sizes::table_if_whole(root, &files) {
        for (rel, text) in files.iter_mut().filter(|(rel, _)| rel == "README.md") {
            *text = docs::between(text, "size-table", &sizes, rel)?;
        }
    }
    for (rel, text) in &files {
        let path = root.join(rel);
        if mode == Mode::Write
            && let Some(dir) = path.parent()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        }
        match ensure_file_contents(&path, text, mode) {
            Ok(true) => changed.push(rel.clone()),
            Ok(false) => {}
            Err(e) => stale.push(e),
        }
    }
    // A schema of a version (or an operation) the fragment no longer has is stale too.
    let mut extra = Vec::new();
    for op in crate::codegen::operations::operations(&spec)? {
        let dir = op.schema_dir();
        extra.extend(
            std::fs::read_dir(root.join(&dir))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
                .filter(|rel| !files.iter().any(|(f, _)| f == rel)),
        );
    }
    extra.sort();
    for rel in extra {
        match mode {
            Mode::Write => {
                std::fs::remove_file(root.join(&rel))
                    .map_err(|e| format!("{rel}: cannot remove: {e}"))?;
                changed.push(rel);
            }
            Mode::Check => stale.push(format!(
                "{rel} is not generated from {SPEC} any more: run `{FIX}` to remove it"
            )),
        }
    }
    if stale.is_empty() {
        Ok(changed)
    } else {
        Err(stale.join("\n\n"))
    }
}
