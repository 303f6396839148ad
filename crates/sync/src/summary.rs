//! Best-effort summary of a message from its bounded bytes.
