//! Scenarios across real instances on loopback ports, over SQLite and PostgreSQL.

mod accounts;
mod api;
mod articles;
mod boards;
mod campaigns;
mod careers;
mod delivery;
mod directory;
mod events;
mod federation;
mod fixtures;
mod joining;
mod media_polls;
mod mentoring;
mod peers;
mod real_peers;
mod rooms;
mod signatures;
mod streaming;
mod surveys;
mod trust;
mod web;
