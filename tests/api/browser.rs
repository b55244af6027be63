//! The whole editorial path in a real browser: headless Chromium, driven
//! through chromedriver with fantoccini, signs in, writes an article with
//! two sections, previews it, publishes it and finds it on the public
//! category page; then a writer submits an article, the editor returns it
//! with a note about a section, and the writer reads it there. Needs the Debian packages `chromium` and
//! `chromium-driver` (or `CHROMIUM` and `CHROMEDRIVER` naming the two
//! binaries); `.ci/run` installs both and runs this test.

use std::fmt::Display;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use iconocast::domain::Role;

use crate::helpers::{backend_test, spawn_app, unique_name, Backend};

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "eve.editor@example.org";
/// The writer of the review step: a contributor, who submits for review.
const WRITER_EMAIL: &str = "wes.writer@example.org";
/// How long any one page or element may take to appear.
const TIMEOUT: Duration = Duration::from_secs(15);
const INSTALL: &str = "install the browser with `apt-get install chromium chromium-driver` \
     (or name the binaries with CHROMIUM and CHROMEDRIVER)";

backend_test!(
    #[ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver); .ci/run runs it"]
    async fn an_editor_writes_previews_and_publishes_an_article_in_a_browser(backend: Backend) {
        let app = spawn_app(&backend).await;
        app.add_staff(EMAIL, "Eve Editor", Role::Editor, PASSWORD);
        app.add_staff(WRITER_EMAIL, "Wes Writer", Role::Contributor, PASSWORD);
        let driver = Chromedriver::start().await;
        let client = driver.session().await;
        let started = Instant::now();
        // The flow runs as its own task so that a failed step still lets
        // the browser session close before the panic goes on.
        let flow = tokio::spawn(write_and_publish(
            client.clone(),
            app.address.clone(),
            format!("{backend:?}"),
        ))
        .await;
        let _ = client.close().await;
        drop(driver);
        if let Err(e) = flow {
            match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("{backend:?}: the browser flow did not finish: {e}"),
            }
        }
        eprintln!(
            "{backend:?}: the browser flow took {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
);

/// Steps 1 to 6 of the editorial path, as an editor does them.
async fn write_and_publish(client: Client, address: String, backend: String) {
    let mut b = Browser {
        c: client,
        address,
        backend,
        step: "",
    };
    let run = unique_name("").trim_matches('_').replace('_', "-");
    let title = format!("Harbour swimmers brave the winter sea {run}");
    let first_heading = "Why they go in";
    let first_body = "Cold water is **bold words** for a warm heart.";
    let second_heading = "What the doctors say";
    let second_body = "Start slowly, never swim alone and get out before you shiver.";
    let hashtags = "#WinterSwimming #Harbour";

    b.step = "1. sign in";
    b.goto("/admin/login").await;
    b.fill("form[action='/admin/login'] input[name=email]", EMAIL)
        .await;
    b.fill("form[action='/admin/login'] input[name=password]", PASSWORD)
        .await;
    b.click("form[action='/admin/login'] button[type=submit]")
        .await;
    b.wait_for_path("the dashboard, /admin", |p| p == "/admin")
        .await;
    b.wait_for("h1").await;
    if !b.all("form[action='/admin/login']").await.is_empty() {
        b.fail("the dashboard still shows the sign-in form").await
    }

    b.step = "2. the new article's fields";
    b.goto("/admin/articles/new").await;
    b.wait_for("form#article-editor").await;
    b.fill("form#article-editor input[name=title]", &title)
        .await;
    let category = b
        .wait_for("form#article-editor select[name=category_id]")
        .await;
    if let Err(e) = category.select_by_label("Sport").await {
        b.fail(format!(
            "no option \"Sport\" in select[name=category_id]: {e}"
        ))
        .await
    }
    b.fill(
        "form#article-editor textarea[name=standfirst]",
        "Dozens swim across the harbour every morning, whatever the weather.",
    )
    .await;
    b.fill(
        "form#article-editor textarea[name=intro]",
        "At seven o'clock the first swimmers are already in the water.",
    )
    .await;
    b.fill("form#article-editor input[name=hashtags]", hashtags)
        .await;

    b.step = "3. two sections";
    let headings = "form#article-editor fieldset.section-editor input[name=section_heading]";
    let bodies = "form#article-editor fieldset.section-editor textarea[name=section_body]";
    let count = b.all(headings).await.len();
    if count != 1 {
        b.fail(format!("a new article has {count} sections, not one"))
            .await
    }
    b.fill_nth(headings, 0, first_heading).await;
    b.fill_nth(bodies, 0, first_body).await;
    b.click("form#article-editor button[name=action][value=add_section]")
        .await;
    b.wait_for_count(headings, 2).await;
    b.expect_value(headings, 0, first_heading).await;
    b.expect_value(bodies, 0, first_body).await;
    b.expect_value("form#article-editor input[name=title]", 0, &title)
        .await;
    b.expect_value("form#article-editor input[name=hashtags]", 0, hashtags)
        .await;
    b.expect_value(headings, 1, "").await;
    b.fill_nth(headings, 1, second_heading).await;
    b.fill_nth(bodies, 1, second_body).await;

    b.step = "4. preview";
    b.click("form#article-editor button[name=action][value=preview]")
        .await;
    let preview = b.wait_for("section#preview").await;
    let text = b.text_of(&preview).await;
    for expected in [title.as_str(), first_heading, second_heading] {
        if !text.contains(expected) {
            b.fail(format!(
                "#preview does not show {expected:?}; it reads {text:?}"
            ))
            .await
        }
    }
    if text.contains("**") {
        b.fail(format!("#preview shows raw Markdown: {text:?}"))
            .await
    }
    let strong = b.texts("section#preview strong").await;
    if !strong.iter().any(|s| s.contains("bold words")) {
        b.fail(format!(
            "#preview has no <strong> with \"bold words\" (Markdown not rendered); strong: {strong:?}"
        ))
        .await
    }
    b.expect_value(headings, 1, second_heading).await;
    b.expect_value(bodies, 1, second_body).await;

    b.step = "5. publish";
    b.click("form#article-editor button[name=action][value=publish]")
        .await;
    b.wait_for_path("an article's page, /admin/articles/{id}", |p| {
        p.strip_prefix("/admin/articles/")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()))
    })
    .await;
    let editor_path = match b.c.current_url().await {
        Ok(u) => u.path().to_owned(),
        Err(e) => b.fail(format!("reading the editor's URL: {e}")).await,
    };
    let notices = b.texts(".notice").await;
    if !notices.iter().any(|n| n.contains("Published")) {
        b.fail(format!(
            "no .notice says \"Published\"; notices: {notices:?}"
        ))
        .await
    }
    let live = b.wait_for("a.view-live").await;
    let live_url = match live.prop("href").await {
        Ok(Some(href)) => href,
        other => b.fail(format!("a.view-live has no href: {other:?}")).await,
    };
    let live_path = match url::Url::parse(&live_url) {
        Ok(u) => u.path().to_owned(),
        Err(e) => b.fail(format!("a.view-live href {live_url:?}: {e}")).await,
    };
    if !live_path.starts_with("/sport/") {
        b.fail(format!(
            "a.view-live points to {live_url}, not an article under /sport/"
        ))
        .await
    }

    b.step = "6. the public category page";
    b.goto("/sport").await;
    let link = b
        .wait_for_xpath(&format!("//main//a[normalize-space(.)='{title}']"))
        .await;
    if let Err(e) = link.click().await {
        b.fail(format!("following the link to the article: {e}"))
            .await
    }
    b.wait_for_path(&format!("the article, {live_path}"), |p| p == live_path)
        .await;
    let h2 = b.texts("h2").await;
    for expected in [first_heading, second_heading] {
        if !h2.iter().any(|h| h == expected) {
            b.fail(format!(
                "the article page has no <h2> {expected:?}; h2: {h2:?}"
            ))
            .await
        }
    }
    let tags: Vec<String> = b
        .texts("a[rel~=tag]")
        .await
        .iter()
        .map(|t| t.to_lowercase())
        .collect();
    for expected in ["#winterswimming", "#harbour"] {
        if !tags.iter().any(|t| t == expected) {
            b.fail(format!(
                "the article page does not show the hashtag {expected}; tags: {tags:?}"
            ))
            .await
        }
    }

    review_with_notes(&mut b, &run).await;
    live_entry_reaches_an_open_page(&mut b, &editor_path, &live_path, &run).await;
    search_results_keep_their_links_apart(&mut b).await;
}

/// Step 12: on the search page, a result's category link sits at least
/// 24 px clear of the author link of the result above it (touch targets,
/// WCAG 2.5.8), on a desktop window and on a phone's width; and the two
/// search forms are landmarks with names of their own.
async fn search_results_keep_their_links_apart(b: &mut Browser) {
    b.step = "12. search results keep their links apart";
    const GAPS: &str = "
        const results = [...document.querySelectorAll('.search-result')];
        const gaps = [];
        for (let i = 1; i < results.length; i++) {
            const above = results[i - 1].querySelector('.meta a.author').getBoundingClientRect();
            const below = results[i].querySelector('.kicker a').getBoundingClientRect();
            gaps.push(below.top - above.bottom);
        }
        const names = [...document.querySelectorAll('[role=search]')]
            .map(f => f.getAttribute('aria-label'));
        return {gaps: gaps, names: names};";
    let original = b.c.get_window_rect().await.ok();
    for width in [1280_u32, 390] {
        if let Err(e) = b.c.set_window_size(width, 900).await {
            b.fail(format!("resizing the window to {width} px: {e}"))
                .await
        }
        b.goto("/search?q=training").await;
        b.wait_for(".search-result").await;
        let found = match b.c.execute(GAPS, vec![]).await {
            Ok(v) => v,
            Err(e) => b.fail(format!("measuring the results: {e}")).await,
        };
        let gaps: Vec<f64> = found["gaps"]
            .as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default();
        if gaps.len() < 2 {
            b.fail(format!("too few results to measure at {width} px: {found}"))
                .await
        }
        if let Some(gap) = gaps.iter().copied().find(|g| *g < 24.0) {
            b.fail(format!(
                "at {width} px a category link is {gap} px below the author link above it; gaps {gaps:?}"
            ))
            .await
        }
        let names: Vec<String> = found["names"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|n| n.as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        if names.len() != 2 || distinct.len() != 2 || names.iter().any(String::is_empty) {
            b.fail(format!(
                "the search landmarks need names of their own: {names:?}"
            ))
            .await
        }
    }
    if let Some((x, y, w, h)) = original {
        let _ =
            b.c.set_window_rect(x as u32, y as u32, w as u32, h as u32)
                .await;
    }
}

/// Checks that the dashboard's box `id` is headed `heading`, then opens
/// the article titled `title` from it.
async fn open_from_dashboard_box(b: &Browser, id: &str, heading: &str, title: &str) {
    let headings = b.texts(&format!("#{id} h2")).await;
    if headings != [heading] {
        b.fail(format!("the dashboard's box #{id} reads {headings:?}"))
            .await
    }
    let link = b
        .wait_for_xpath(&format!(
            "//section[@id='{id}']//a[normalize-space(.)='{title}']"
        ))
        .await;
    if let Err(e) = link.click().await {
        b.fail(format!("following the link to the article: {e}"))
            .await
    }
}

/// Steps 8 to 11: the editor turns the article into a live page; a reader
/// opens it in a second window; the editor posts an entry through the
/// staff area; the entry appears on the reader's open page, fetched by
/// the page's script, without a reload.
async fn live_entry_reaches_an_open_page(
    b: &mut Browser,
    editor_path: &str,
    public_path: &str,
    run: &str,
) {
    b.step = "8. start live coverage";
    switch_to(b, EMAIL, "Eve Editor").await;
    b.goto(&format!("{editor_path}/live")).await;
    b.click("#live-start").await;
    b.wait_for("form#live-entry-form").await;
    let staff_window = match b.c.window().await {
        Ok(w) => w,
        Err(e) => b.fail(format!("the staff window's handle: {e}")).await,
    };

    b.step = "9. a reader opens the live page in a second window";
    let reader_window = match b.c.new_window(false).await {
        Ok(w) => w.handle,
        Err(e) => b.fail(format!("opening a second window: {e}")).await,
    };
    if let Err(e) = b.c.switch_to_window(reader_window.clone()).await {
        b.fail(format!("switching to the reader's window: {e}"))
            .await
    }
    b.goto(public_path).await;
    // This browser read the page a few moments ago (step 6), before it went
    // live, and may keep that copy for a minute (`max-age=60`): load it
    // afresh, as a reader arriving now would.
    if let Err(e) = b.c.refresh().await {
        b.fail(format!("reloading the article: {e}")).await
    }
    b.wait_for(".live-status .live-badge").await;
    b.wait_for("section#live[data-poll]").await;
    // Set on the open page: a reload would lose it.
    if let Err(e) =
        b.c.execute("window.readerMark = 'not reloaded'; return null;", vec![])
            .await
    {
        b.fail(format!("marking the reader's page: {e}")).await
    }

    b.step = "10. the editor posts an entry";
    if let Err(e) = b.c.switch_to_window(staff_window).await {
        b.fail(format!("switching back to the staff window: {e}"))
            .await
    }
    let headline = format!("Swimmers reach the harbour wall {run}");
    b.fill("form#live-entry-form input[name=headline]", &headline)
        .await;
    b.fill(
        "form#live-entry-form textarea[name=body]",
        "All **forty** swimmers are out of the water.",
    )
    .await;
    b.click("form#live-entry-form button[type=submit]").await;
    b.wait_for_xpath("//p[contains(@class,'notice') and contains(., 'Entry posted')]")
        .await;

    b.step = "11. the entry appears on the reader's open page without a reload";
    if let Err(e) = b.c.switch_to_window(reader_window).await {
        b.fail(format!("switching to the reader's window: {e}"))
            .await
    }
    // The page asks every 30 seconds or so.
    let xpath = format!(
        "//section[@id='live']//article[contains(@class,'live-entry')]//h3[normalize-space(.)='{headline}']"
    );
    let deadline = Instant::now() + Duration::from_secs(75);
    loop {
        let found = b.c.find_all(Locator::XPath(&xpath)).await.map(|v| v.len());
        if matches!(found, Ok(n) if n > 0) {
            break;
        }
        if Instant::now() >= deadline {
            b.fail(format!(
                "the new entry {headline:?} did not appear within 75 s"
            ))
            .await
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    match b
        .c
        .execute("return window.readerMark || null;", vec![])
        .await
    {
        Ok(v) if v == "not reloaded" => {}
        other => {
            b.fail(format!(
                "the reader's page was reloaded (its mark is {other:?})"
            ))
            .await
        }
    }
    let strong = b.texts("section#live article.live-entry strong").await;
    if !strong.iter().any(|s| s == "forty") {
        b.fail(format!(
            "the new entry's Markdown is not rendered; strong: {strong:?}"
        ))
        .await
    }
}

/// Signs out whoever is signed in (with the staff area's button) and
/// signs `email` in as `name`: the next staff session in the same browser.
async fn switch_to(b: &mut Browser, email: &str, name: &str) {
    b.goto("/admin").await;
    b.click("form.admin-logout button[type=submit]").await;
    b.wait_for_path("the sign-in form, /admin/login", |p| p == "/admin/login")
        .await;
    b.fill("form[action='/admin/login'] input[name=email]", email)
        .await;
    b.fill("form[action='/admin/login'] input[name=password]", PASSWORD)
        .await;
    b.click("form[action='/admin/login'] button[type=submit]")
        .await;
    b.wait_for_path("the dashboard, /admin", |p| p == "/admin")
        .await;
    let who = b.texts(".admin-user strong").await;
    if who != [name] {
        b.fail(format!("{name} is not the one signed in: {who:?}"))
            .await
    }
}

/// Step 7, review with notes over two staff sessions: a writer submits an
/// article, the editor finds it waiting on the dashboard and returns it
/// with a note about one section, and the writer finds it returned and
/// reads the note by its section.
async fn review_with_notes(b: &mut Browser, run: &str) {
    let title = format!("Rock pools at low water {run}");
    let heading = "What lives in them";
    let note = "Name two of the species you saw.";

    b.step = "7a. the writer submits an article for review";
    switch_to(b, WRITER_EMAIL, "Wes Writer").await;
    b.goto("/admin/articles/new").await;
    b.fill("form#article-editor input[name=title]", &title)
        .await;
    let category = b
        .wait_for("form#article-editor select[name=category_id]")
        .await;
    if let Err(e) = category.select_by_label("Sport").await {
        b.fail(format!("no option \"Sport\" to choose: {e}")).await
    }
    b.fill(
        "form#article-editor textarea[name=standfirst]",
        "Low tide uncovers a world in every hollow of the rocks.",
    )
    .await;
    b.fill_nth(
        "form#article-editor input[name=section_heading]",
        0,
        heading,
    )
    .await;
    b.fill_nth(
        "form#article-editor textarea[name=section_body]",
        0,
        "Crabs, anemones and tiny fish.",
    )
    .await;
    b.click("form#article-editor button[name=action][value=submit]")
        .await;
    b.wait_for_path("the article's page, /admin/articles/{id}", |p| {
        p.strip_prefix("/admin/articles/")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()))
    })
    .await;
    let notices = b.texts(".notice").await;
    if !notices.iter().any(|n| n.contains("Submitted for review")) {
        b.fail(format!(
            "no notice says \"Submitted for review\": {notices:?}"
        ))
        .await
    }

    b.step = "7b. the editor returns it with a note about its section";
    switch_to(b, EMAIL, "Eve Editor").await;
    open_from_dashboard_box(b, "waiting-for-review", "Waiting for my review (1)", &title).await;
    let section = b.wait_for("#review-notes select[name=section]").await;
    let label = format!("Section 1: {heading}");
    if let Err(e) = section.select_by_label(&label).await {
        b.fail(format!("no option {label:?} in the notes form: {e}"))
            .await
    }
    b.fill("#review-notes textarea[name=body]", note).await;
    b.click("#review-notes button[name=action][value=return]")
        .await;
    b.wait_for_xpath("//p[contains(@class, 'notice') and starts-with(normalize-space(.), 'Returned to its writer')]")
        .await;

    b.step = "7c. the writer finds it returned and reads the note";
    switch_to(b, WRITER_EMAIL, "Wes Writer").await;
    open_from_dashboard_box(b, "returned-to-me", "Returned to me (1)", &title).await;
    b.wait_for("#review-notes .review-note").await;
    let sections = b.texts("#review-notes .review-note-section").await;
    if sections != [format!("On section: {heading}")] {
        b.fail(format!("the note is shown about {sections:?}"))
            .await
    }
    let bodies = b.texts("#review-notes .review-note-body").await;
    if bodies != [note] {
        b.fail(format!("the note reads {bodies:?}")).await
    }
    let status = b.texts(".editor-status .status").await;
    if !status.iter().any(|s| s == "Draft") {
        b.fail(format!("the article is not a draft again: {status:?}"))
            .await
    }
}

/// A chromedriver process on a free port with a fresh Chromium profile;
/// killed, and its files removed, when dropped.
struct Chromedriver {
    child: Child,
    url: String,
    dir: PathBuf,
    chromium: String,
}

impl Chromedriver {
    /// Starts chromedriver and waits until it answers `/status`.
    async fn start() -> Chromedriver {
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        assert!(
            on_path(&chromium),
            "Chromium is missing: CHROMIUM={chromium} is not found; {INSTALL}"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port for chromedriver")
            .port();
        let dir = std::env::temp_dir().join(unique_name("iconocast-browser"));
        std::fs::create_dir_all(dir.join("profile")).expect("a temp dir for the browser");
        let log = std::fs::File::create(dir.join("chromedriver.log")).expect("chromedriver log");
        let err = log.try_clone().expect("chromedriver log");
        let child = match Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                panic!("chromedriver is missing: cannot run {binary:?} ({e}); {INSTALL}")
            }
        };
        let mut driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
            chromium,
        };
        driver.wait_until_ready().await;
        driver
    }

    async fn wait_until_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "chromedriver exited at start ({status}):\n{}",
                    self.log_tail()
                );
            }
            let status = http
                .get(format!("{}/status", self.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(res) = status {
                let json: serde_json::Value = res.json().await.unwrap_or_default();
                if json["value"]["ready"] == true {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer {}/status within {TIMEOUT:?}:\n{}",
                self.url,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new headless Chromium session.
    async fn session(&self) -> Client {
        let caps = serde_json::json!({
            "browserName": "chrome",
            "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", self.dir.join("profile").display()),
                ],
            },
        });
        let caps = caps
            .as_object()
            .cloned()
            .expect("capabilities are an object");
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
        {
            Ok(client) => client,
            Err(e) => panic!(
                "chromedriver could not start Chromium ({}): {e}; {INSTALL}\n{}",
                self.chromium,
                self.log_tail()
            ),
        }
    }

    /// The end of chromedriver's log, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `program` names an executable file, directly or on `PATH`.
fn on_path(program: &str) -> bool {
    let is_file = |p: &Path| p.is_file();
    if program.contains('/') {
        return is_file(Path::new(program));
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| is_file(&d.join(program))))
        .unwrap_or(false)
}

/// The browser session and the step it is at; every failure names the
/// step, the current URL and a piece of the page.
struct Browser {
    c: Client,
    address: String,
    backend: String,
    step: &'static str,
}

impl Browser {
    /// Fails the test with `what`, the step, the URL and the page.
    async fn fail<T>(&self, what: impl Display) -> T {
        let url = match self.c.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("(unknown: {e})"),
        };
        let source = self.c.source().await.unwrap_or_default();
        let body = source.find("<body").map_or(&source[..], |i| &source[i..]);
        let piece: String = body.chars().take(3000).collect();
        panic!(
            "{}: step {}: {what}\nat {url}\npage:\n{piece}",
            self.backend, self.step
        )
    }

    async fn goto(&self, path: &str) {
        if let Err(e) = self.c.goto(&format!("{}{path}", self.address)).await {
            self.fail(format!("opening {path}: {e}")).await
        }
    }

    async fn wait_for(&self, css: &str) -> Element {
        match self
            .c
            .wait()
            .at_most(TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => self.fail(format!("no {css} within {TIMEOUT:?}: {e}")).await,
        }
    }

    async fn wait_for_xpath(&self, xpath: &str) -> Element {
        match self
            .c
            .wait()
            .at_most(TIMEOUT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                self.fail(format!("nothing matches {xpath} within {TIMEOUT:?}: {e}"))
                    .await
            }
        }
    }

    async fn all(&self, css: &str) -> Vec<Element> {
        match self.c.find_all(Locator::Css(css)).await {
            Ok(found) => found,
            Err(e) => self.fail(format!("looking for {css}: {e}")).await,
        }
    }

    /// The `n`th element matching `css`.
    async fn nth(&self, css: &str, n: usize) -> Element {
        let mut found = self.all(css).await;
        if n >= found.len() {
            let len = found.len();
            return self
                .fail(format!("wanted element {} of {css}, found {len}", n + 1))
                .await;
        }
        found.swap_remove(n)
    }

    /// Waits until at least `n` elements match `css`.
    async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            // A page being replaced may answer with an error; try again.
            let found = self.c.find_all(Locator::Css(css)).await.map(|v| v.len());
            if matches!(found, Ok(len) if len >= n) {
                return;
            }
            if Instant::now() >= deadline {
                return self
                    .fail(format!("{n} of {css} within {TIMEOUT:?}, found {found:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the current URL's path satisfies `ok`.
    async fn wait_for_path(&self, what: &str, ok: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(url) = self.c.current_url().await {
                if ok(url.path()) {
                    return;
                }
            }
            if Instant::now() >= deadline {
                return self
                    .fail(format!("did not reach {what} within {TIMEOUT:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn fill_element(&self, el: &Element, what: &str, value: &str) {
        let done = match el.clear().await {
            Ok(()) => el.send_keys(value).await,
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            self.fail(format!("typing into {what}: {e}")).await
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let el = self.wait_for(css).await;
        self.fill_element(&el, css, value).await;
    }

    async fn fill_nth(&self, css: &str, n: usize, value: &str) {
        let el = self.nth(css, n).await;
        self.fill_element(&el, &format!("{css} #{}", n + 1), value)
            .await;
    }

    /// Clicks what matches `css`, first scrolled to the middle of the
    /// window at once: the site scrolls smoothly (`scroll-behavior`), and
    /// chromedriver would otherwise click where the element is not yet.
    async fn click(&self, css: &str) {
        let el = self.wait_for(css).await;
        let arg = match serde_json::to_value(&el) {
            Ok(arg) => arg,
            Err(e) => return self.fail(format!("{css} as a script argument: {e}")).await,
        };
        let scrolled = self
            .c
            .execute(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                vec![arg],
            )
            .await;
        if let Err(e) = scrolled {
            self.fail(format!("scrolling to {css}: {e}")).await
        }
        if let Err(e) = el.click().await {
            self.fail(format!("clicking {css}: {e}")).await
        }
    }

    /// Checks that the `n`th element matching `css` holds `expected`.
    async fn expect_value(&self, css: &str, n: usize, expected: &str) {
        let el = self.nth(css, n).await;
        match el.prop("value").await {
            Ok(Some(v)) if v == expected => {}
            other => {
                self.fail(format!(
                    "{css} #{} should hold {expected:?}, holds {other:?}",
                    n + 1
                ))
                .await
            }
        }
    }

    async fn text_of(&self, el: &Element) -> String {
        match el.text().await {
            Ok(t) => t,
            Err(e) => self.fail(format!("reading text: {e}")).await,
        }
    }

    /// The trimmed, whitespace-collapsed texts of everything matching `css`.
    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self.all(css).await {
            let t = self.text_of(&el).await;
            out.push(t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out
    }
}
