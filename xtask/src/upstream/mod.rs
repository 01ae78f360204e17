//! The fidelity tools: `cargo xtask conformance` ([`conformance`]) holds
//! the fragment against Intercom's published descriptions, read by
//! [`surface`](mod@surface); `upstream-diff` compares two of them; `vendor` ([`vendor`])
//! cuts one down to `POST /messages`. They read the generator's model of the
//! fragment ([`crate::codegen`](mod@crate::codegen)); the generator never reads them.

pub mod conformance;
pub mod surface;
pub mod vendor;

pub use surface::*;
