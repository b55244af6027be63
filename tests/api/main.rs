//! The integration suite: the real server, a real HTTP client, a fresh
//! database per test, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

mod admin_auth;
mod admin_manage;
mod admin_tools;
mod browser;
mod caching;
mod cli;
mod corrections;
mod dashboard;
mod editor;
mod errors;
mod expiry;
mod feeds;
mod helpers;
mod html_validity;
mod import;
mod live;
mod media;
mod metrics;
mod migrations;
mod most_read;
mod outage;
mod page_cache;
mod pages;
mod pagination;
mod pictures;
mod pings;
mod queries;
mod review;
mod search;
mod sitemaps;
mod staff_writes;
mod static_assets;
mod structured_data;
mod transport;
mod visibility;
