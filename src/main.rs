//! The `iconocast` binary: parse the command line, start logging, hand over.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = iconocast::config::Cli::parse();
    iconocast::telemetry::init();
    match iconocast::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One sentence: the outermost context and its causes, in order.
            let message = error
                .chain()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("iconocast: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
