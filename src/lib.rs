//! Iconocast: a server-rendered news portal. `startup` builds the app,
//! `routes` holds one module per public area, `db` the queries, `views`
//! and `templates/` the pages.

pub mod app;
pub mod auth;
pub mod body_timeout;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_art;
pub mod domain;
pub mod encoding;
pub mod error;
pub mod fuzzing;
pub mod http_cache;
pub mod import;
pub mod markdown;
pub mod media;
pub mod metrics;
pub mod newsroom;
pub mod page_cache;
pub mod pictures;
pub mod pings;
pub mod readership;
pub mod routes;
pub mod startup;
pub mod static_files;
pub mod synthetic;
pub mod telemetry;
pub mod views;
