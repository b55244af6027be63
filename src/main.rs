//! The `iconocast` binary: parse the command line, start logging, hand over.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    keep_large_buffers_out_of_the_heap();
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

/// glibc raises its mmap threshold each time a large block is freed, so
/// after a few page renders and compressions (buffers of a few hundred KB
/// to a few MB) such buffers come from the heap arenas, which fragment
/// and rarely shrink: under a soak of readers and editors
/// (bench/soak.sh) the resident memory grew from 40 to 156 MB. A fixed
/// threshold (glibc's initial 128 KB) keeps large buffers in their own
/// mappings, returned to the system when freed: the same soak peaked at
/// 66 MB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_buffers_out_of_the_heap() {
    // SAFETY: mallopt only changes allocator parameters; it is called
    // before the server starts its threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_buffers_out_of_the_heap() {}
