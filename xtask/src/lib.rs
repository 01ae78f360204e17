//! The generator and the project's fidelity checks, as a library so that
//! their tests can run them on a temporary copy of the workspace: the
//! generator in [`codegen`](mod@codegen), the tools that read Intercom's published
//! descriptions in [`upstream`]. This file only declares and re-exports
//! (the paths the commands and the tests use).

pub mod codegen;
pub mod upstream;

pub use codegen::client::generate_client;
pub use codegen::docs::{DOCUMENTS, SCHEMA_CHANGES};
pub use codegen::entries::{Entry, version_entries};
pub use codegen::examples::{Example, examples};
pub use codegen::files::{Mode, codegen, ensure_file_contents, render};
pub use codegen::spec::Spec;
pub use codegen::{
    CONSTRUCTORS, FACADE, FIX, GENERATED, SPEC, VERSION_TABLE, client, docs, entries, facade,
    files, load_spec, operations, parse_spec, project, spec, table, versions, workspace_root,
};
pub use upstream::{conformance, vendor};
