//! Scenarios across real instances on loopback ports, over SQLite and PostgreSQL.

mod api;
mod delivery;
mod federation;
mod fixtures;
mod signatures;
