//! The client crate's `generated.rs`: progenitor's types and raw client.

use crate::codegen::spec::Spec;

/// Generates the client with progenitor, formatted with prettyplease.
pub fn generate_client(spec: &Spec) -> Result<String, String> {
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
    let code = prettyplease::unparse(&file);
    // progenitor's `Client::new` builds its reqwest client inline; route it through
    // lib.rs so that the TLS crypto provider is installed first. Fail loudly if a
    // progenitor upgrade changes the shape, rather than silently skipping it.
    let needle = "reqwest::ClientBuilder::new()";
    if !code.contains(needle) {
        return Err(format!(
            "expected `{needle}` in progenitor's output; update xtask for this progenitor"
        ));
    }
    let code = code.replace(needle, "crate::client_builder()");
    Ok(format!("{}{code}", crate::codegen::header()))
}
