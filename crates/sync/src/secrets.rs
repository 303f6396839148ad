//! Passwords in the OS keyring.
