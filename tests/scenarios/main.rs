//! Scenarios across real instances on loopback ports, over SQLite and PostgreSQL.

mod api;
mod federation;
mod fixtures;
mod signatures;
