//! The client crate's `generated.rs`: progenitor's types and raw client.

use crate::codegen::client_docs::serde_name;
use crate::codegen::spec::Spec;

/// progenitor's output: the text of `generated.rs`, and the file it was
/// printed from, which the other generated files read (the version enum,
/// the request structs) without parsing the text again.
pub struct GeneratedClient {
    /// `generated.rs`, as written.
    pub code: String,
    /// The syntax tree it was printed from.
    pub file: syn::File,
}

/// Generates the client with progenitor, formatted with prettyplease.
pub fn generate_client(spec: &Spec) -> Result<GeneratedClient, String> {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        // lib.rs implements ClientHooks (it strips progenitor's api-version header).
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        // Users compare decoded answers (`SentMessage::message`) and requests.
        .with_derive("PartialEq");
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec.openapi)
        .map_err(|e| format!("progenitor: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    crate::codegen::client_docs::document(&mut file, &spec.raw);
    let mut non_exhaustive = crate::codegen::table::request_members(&spec.raw)?;
    non_exhaustive.push(crate::codegen::client_surface::RESPONSE_ROOT.to_string());
    crate::codegen::client_surface::rewrite(&mut file, &non_exhaustive)?;
    let code =
        crate::codegen::client_surface::patterns_without_unwrap(&prettyplease::unparse(&file))?;
    Ok(GeneratedClient {
        code: format!("{}{code}", crate::codegen::header()),
        file,
    })
}

/// The items of the generated `types` module.
pub fn types_module(file: &syn::File) -> Result<&[syn::Item], String> {
    file.items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" => {
                m.content.as_ref().map(|(_, items)| &items[..])
            }
            _ => None,
        })
        .ok_or_else(|| "no `types` module in the generated client".to_string())
}

/// The variants of the generated `IntercomVersion` enum as `(wire name,
/// identifier)`, read from progenitor's output so that the names are
/// progenitor's own, and checked against the fragment's versions.
pub fn version_variants(spec: &Spec, file: &syn::File) -> Result<Vec<(String, String)>, String> {
    let e = types_module(file)?
        .iter()
        .find_map(|i| match i {
            syn::Item::Enum(e) if e.ident == "IntercomVersion" => Some(e),
            _ => None,
        })
        .ok_or("no `IntercomVersion` enum in the generated client")?;
    let variants: Vec<(String, String)> = e
        .variants
        .iter()
        .map(|v| (serde_name(&v.attrs, &v.ident), v.ident.to_string()))
        .collect();
    let versions: Vec<&str> = spec.versions.iter().collect();
    let wire: Vec<&str> = variants.iter().map(|(w, _)| w.as_str()).collect();
    if wire != versions {
        return Err(format!(
            "the generated IntercomVersion enum {wire:?} differs from the fragment's {versions:?}"
        ));
    }
    Ok(variants)
}
