//! Every page type passes the W3C Nu HTML Checker with no errors. Needs
//! Java and the checker's jar (npm package `vnu-jar`) named by `VNU_JAR`;
//! `.ci/run` installs both and runs this test.

use std::process::Command;

use crate::helpers::{backends, spawn_app};

#[tokio::test]
#[ignore = "needs the Nu HTML Checker: VNU_JAR=/path/to/vnu.jar cargo test -- --ignored"]
async fn one_page_of_each_type_is_valid_html() {
    let jar = std::env::var("VNU_JAR").expect("VNU_JAR names the Nu HTML Checker's vnu.jar");
    assert!(
        std::path::Path::new(&jar).is_file(),
        "VNU_JAR={jar} is not a file"
    );
    for backend in backends() {
        let app = spawn_app(&backend).await;
        let dir = std::env::temp_dir().join(crate::helpers::unique_name("vnu"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let pages = [
            ("home", "/"),
            ("category", "/sport"),
            ("category-page-2", "/sport?page=1"),
            ("article", "/sport/the-quiet-science-of-the-warm-up"),
            ("blog", "/blog"),
            ("blog-post", "/blog/how-we-verify-a-story"),
            ("tag", "/tag/explainer"),
            ("author", "/author/amara-okafor"),
            ("about", "/about"),
            ("search", "/search?q=sleep"),
            ("search-empty", "/search"),
            ("not-found", "/no-such-page"),
            ("bad-request", "/sport?page=abc"),
        ];
        for (name, path) in pages {
            let page = app.get(path).await;
            assert!(page.status < 500, "{path}");
            std::fs::write(dir.join(format!("{name}.html")), &page.body).expect("write page");
        }
        let files: Vec<_> = pages
            .iter()
            .map(|(n, _)| dir.join(format!("{n}.html")))
            .collect();
        let out = Command::new("java")
            .arg("-jar")
            .arg(&jar)
            .args(["--errors-only", "--format", "json"])
            .args(&files)
            .output()
            .expect("run java");
        let report: serde_json::Value = serde_json::from_slice(&out.stderr)
            .or_else(|_| serde_json::from_slice(&out.stdout))
            .expect("the checker's JSON report");
        let messages = report["messages"].as_array().cloned().unwrap_or_default();
        let errors: Vec<String> = messages
            .iter()
            .filter(|m| m["type"] == "error" || m["subType"] == "fatal")
            .map(|m| format!("{}:{} {}", m["url"], m["lastLine"], m["message"]))
            .collect();
        assert!(errors.is_empty(), "{backend:?}: {}", errors.join("\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
