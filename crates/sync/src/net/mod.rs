//! The network layer under everything that talks to a server: TCP connects, TLS with the one
//! cached connector (and the one unverified connector that only inspects a certificate for the
//! user), DNS, and the small HTTP client of discovery and OAuth2.
//!
//! It knows nothing of IMAP, discovery or sign-in: `imap`, `discover` and `oauth` use it, and
//! it uses none of them. Its errors are its own; each caller words them for its users.

pub(crate) mod cert;
pub(crate) mod dns;
pub(crate) mod http;
pub(crate) mod names;
pub(crate) mod tcp;
pub(crate) mod tls;

pub use cert::{normalise_sha256, CertReason, CertificateInfo};
pub use tls::{lazy_system_roots, load_ca};
