//! Settings from flags and environment variables (flags win).

use clap::{Args, Parser, Subcommand};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/iconocast.db";

#[derive(Debug, Parser)]
#[command(
    name = "iconocast",
    version,
    about = "Iconocast: a news portal in one binary, on SQLite or PostgreSQL."
)]
pub struct Cli {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// With no subcommand, `iconocast` serves.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, seed the demo content into an empty database, serve.
    Serve(ServeArgs),
    /// Run pending migrations and exit.
    Migrate,
    /// Add synthetic articles in bulk, to measure the site at scale.
    Demo {
        /// How many articles to add.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        articles: u32,
        /// Folder for the demo's pictures (the server's --media-dir).
        #[arg(
            long,
            env = "ICONOCAST_MEDIA_DIR",
            default_value = "data/media",
            value_name = "DIR"
        )]
        media_dir: std::path::PathBuf,
    },
    /// Import plain-text articles (title, headline lines, paragraphs,
    /// #hashtags), as drafts unless --publish. All files or none.
    Import(ImportArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff member who can sign in at /admin/login. The password is
    /// read from ICONOCAST_PASSWORD, else asked for without echo.
    Add(UserAddArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    /// Email address; it is the login name.
    #[arg(long)]
    pub email: String,

    /// Full name, as bylines show it.
    #[arg(long)]
    pub name: String,

    /// admin, editor, author or contributor.
    #[arg(long)]
    pub role: String,

    /// Slug of the author page; defaults to one made from the name.
    #[arg(long, value_name = "SLUG")]
    pub slug: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Category to file the articles in; defaults to the first category.
    #[arg(long, value_name = "SLUG")]
    pub category: Option<String>,

    /// Publish the articles now instead of leaving them as drafts.
    #[arg(long)]
    pub publish: bool,

    /// Staff member credited as author; defaults to the first admin or editor.
    #[arg(long, value_name = "SLUG")]
    pub author: Option<String>,

    /// Plain-text files, one article each (UTF-8).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,

    /// Folder for the pictures the articles name on an `Image:` line (the
    /// server's --media-dir).
    #[arg(
        long,
        env = "ICONOCAST_MEDIA_DIR",
        default_value = "data/media",
        value_name = "DIR"
    )]
    pub media_dir: std::path::PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ICONOCAST_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Public base URL for absolute links (canonical URLs, feeds, sitemaps).
    /// Defaults to http://BIND.
    #[arg(long, env = "ICONOCAST_BASE_URL")]
    pub base_url: Option<String>,

    /// Do not load the demo content into an empty database.
    #[arg(long)]
    pub no_demo: bool,

    /// Folder for uploaded images, created if missing; several processes
    /// may share it.
    #[arg(
        long,
        env = "ICONOCAST_MEDIA_DIR",
        default_value = "data/media",
        value_name = "DIR"
    )]
    pub media_dir: std::path::PathBuf,

    /// Largest image upload, in MB (1 to 1024).
    #[arg(
        long,
        env = "ICONOCAST_MAX_UPLOAD_MB",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=1024),
        value_name = "N"
    )]
    pub max_upload_mb: u32,

    /// Largest picture accepted, in megapixels (1 to 200): a file whose
    /// header declares more is refused before it is decoded.
    #[arg(
        long,
        env = "ICONOCAST_MAX_IMAGE_MEGAPIXELS",
        default_value_t = 50,
        value_parser = clap::value_parser!(u32).range(1..=200),
        value_name = "N"
    )]
    pub max_image_megapixels: u32,

    /// Address of a reverse proxy or load balancer in front of the server
    /// (repeat, or comma-separated in the environment). For requests from
    /// these, the client is read from `X-Forwarded-For`; otherwise that
    /// header is ignored, since anyone can send it.
    #[arg(
        long = "trusted-proxy",
        env = "ICONOCAST_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Memory for the page cache of public pages, in MB (0 turns it off).
    /// Pages are kept with their gzip and brotli forms and dropped the
    /// moment the content changes.
    #[arg(
        long,
        env = "ICONOCAST_PAGE_CACHE_MB",
        default_value_t = crate::page_cache::DEFAULT_BUDGET_MB,
        value_parser = clap::value_parser!(u32).range(0..=65_536),
        value_name = "N"
    )]
    pub page_cache_mb: u32,

    /// Threads that answer requests (0: one per CPU core). Database work
    /// and compression run on a separate blocking pool either way.
    #[arg(
        long,
        env = "ICONOCAST_WORKERS",
        default_value_t = 0,
        value_parser = clap::value_parser!(u16).range(0..=1024),
        value_name = "N"
    )]
    pub workers: u16,

    /// Seconds a request body may take to arrive (1 to 600), plus one for
    /// every 16 KB of it received; a body that takes longer is answered
    /// 408 and its connection closed.
    #[arg(
        long,
        env = "ICONOCAST_BODY_TIMEOUT",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=600),
        value_name = "SECS"
    )]
    pub body_timeout: u32,

    /// Address to serve /metrics on (Prometheus text format) for the
    /// operator's monitoring, apart from the public address; none when
    /// unset. Expose it only to the monitoring network.
    #[arg(long, env = "ICONOCAST_METRICS_BIND", value_name = "ADDR")]
    pub metrics_bind: Option<String>,

    /// A WebSub hub to tell when feeds change (repeat for several); named
    /// in every feed as rel="hub". None by default.
    #[arg(
        long = "websub-hub",
        env = "ICONOCAST_WEBSUB_HUBS",
        value_delimiter = ',',
        value_name = "URL",
        value_parser = http_url
    )]
    pub websub_hubs: Vec<String>,

    /// The IndexNow key (8 to 128 letters, digits or dashes): sends the
    /// addresses of published and changed articles to IndexNow, and
    /// serves the key at /{KEY}.txt. None by default.
    #[arg(long, env = "ICONOCAST_INDEXNOW_KEY", value_name = "KEY", value_parser = indexnow_key)]
    pub indexnow_key: Option<String>,

    /// Where IndexNow pings go.
    #[arg(
        long,
        env = "ICONOCAST_INDEXNOW_ENDPOINT",
        value_name = "URL",
        default_value = crate::pings::INDEXNOW_ENDPOINT,
        value_parser = http_url
    )]
    pub indexnow_endpoint: String,
}

/// An absolute http or https URL.
fn http_url(raw: &str) -> Result<String, String> {
    match url::Url::parse(raw.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(url.to_string())
        }
        _ => Err(format!("{raw:?} is not an absolute http or https URL")),
    }
}

fn indexnow_key(raw: &str) -> Result<String, String> {
    if crate::pings::valid_indexnow_key(raw) {
        Ok(raw.to_owned())
    } else {
        Err("an IndexNow key is 8 to 128 letters, digits or dashes".to_owned())
    }
}
