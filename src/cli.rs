//! The subcommands: `serve` (the default) and `migrate`.

use anyhow::Context;

use crate::config::{Cli, Command, ServeArgs};
use crate::db::{Database, DatabaseUrl};
use crate::startup::{Application, Settings};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database_url)?;
    match cli.command {
        None => serve(url, cli.serve).await,
        Some(Command::Serve(args)) => serve(url, args).await,
        Some(Command::Migrate) => {
            let ran = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<usize> {
                Ok(Database::connect(url)?.migrate()?)
            })
            .await
            .context("migration was interrupted")??;
            println!("{ran} migration(s) applied");
            Ok(())
        }
    }
}

async fn serve(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(Settings {
        database_url: url,
        bind: args.bind,
        base_url: args.base_url,
        demo: !args.no_demo,
    })
    .await?;
    app.run_until_stopped().await?;
    Ok(())
}
