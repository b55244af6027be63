//! actix-web alone, answering files from memory: the most the framework
//! the portal is built on can serve on this machine, measured beside
//! nginx and the portal by `bench/compare.sh` (its "actix-web alone"
//! rows). No routing, middleware, cache lookup or header beyond what the
//! body needs: what the portal's page cache adds to a hit is the gap
//! between this and the portal.
//!
//! usage: actix_floor ROOT ADDRESS WORKERS HTML_TYPE CSS_TYPE
//!   WORKERS request threads (0: one per CPU, actix's default); serves every file under ROOT at its path, with the Content-Type
//!   CSS_TYPE for `.css` files and HTML_TYPE for the rest, and a file's
//!   `.br` or `.gz` sibling (made by the caller) in place of it when the
//!   request accepts that coding: brotli first, as the portal and nginx
//!   choose.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// A file's body and its precompressed forms.
struct File {
    content_type: HeaderValue,
    plain: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

fn load(
    root: &Path,
    dir: &Path,
    types: &(HeaderValue, HeaderValue),
    files: &mut HashMap<String, File>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            load(root, &path, types, files)?;
            continue;
        }
        let name = path.to_string_lossy();
        if name.ends_with(".gz") || name.ends_with(".br") {
            continue;
        }
        let sibling = |ext: &str| std::fs::read(format!("{name}.{ext}")).ok().map(Bytes::from);
        let content_type = if name.ends_with(".css") {
            types.1.clone()
        } else {
            types.0.clone()
        };
        let url = format!(
            "/{}",
            path.strip_prefix(root)
                .map_err(std::io::Error::other)?
                .to_string_lossy()
        );
        files.insert(
            url,
            File {
                content_type,
                plain: Bytes::from(std::fs::read(&path)?),
                gzip: sibling("gz"),
                brotli: sibling("br"),
            },
        );
    }
    Ok(())
}

async fn answer(req: HttpRequest, files: web::Data<HashMap<String, File>>) -> HttpResponse {
    let Some(file) = files.get(req.path()) else {
        return HttpResponse::NotFound().finish();
    };
    let accepts = |coding: &str| {
        req.headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|c| c.trim().starts_with(coding)))
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, file.content_type.clone()));
    let body = match (&file.brotli, &file.gzip) {
        (Some(br), _) if accepts("br") => {
            res.insert_header((header::CONTENT_ENCODING, "br"));
            br.clone()
        }
        (_, Some(gz)) if accepts("gzip") => {
            res.insert_header((header::CONTENT_ENCODING, "gzip"));
            gz.clone()
        }
        _ => file.plain.clone(),
    };
    res.body(body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, root, address, workers, html_type, css_type] = args.as_slice() else {
        eprintln!("usage: actix_floor ROOT ADDRESS WORKERS HTML_TYPE CSS_TYPE");
        std::process::exit(2);
    };
    let workers: usize = workers.parse().map_err(std::io::Error::other)?;
    let value = |text: &str| HeaderValue::from_str(text).map_err(std::io::Error::other);
    let types = (value(html_type)?, value(css_type)?);
    let mut files = HashMap::new();
    load(Path::new(root), Path::new(root), &types, &mut files)?;
    let files = web::Data::from(Arc::new(files));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(files.clone())
            .default_service(web::to(answer))
    });
    let server = if workers > 0 {
        server.workers(workers)
    } else {
        server
    };
    server.bind(address.as_str())?.run().await
}
