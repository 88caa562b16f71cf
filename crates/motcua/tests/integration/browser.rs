//! A real browser (headless Chromium through chromedriver) signs in and uses the display
//! controls. Skips loudly without chromedriver; fails instead when MOTCUA_REQUIRE_BROWSER=1.

use crate::common::{Backend, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use motcua_domain::account::Role;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REQUIRE: &str = "MOTCUA_REQUIRE_BROWSER";

pub(crate) struct Driver {
    process: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn find(binary: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(binary))
        .find(|p| p.is_file())
}

/// The driver, or None after saying loudly why not (a failure when a browser is required).
pub(crate) fn driver_or_skip() -> Option<Driver> {
    start_driver()
        .map_err(|why| motcua_testkit::skip_or_fail("a browser", REQUIRE, &why))
        .ok()
}

fn start_driver() -> Result<Driver, String> {
    let driver = find("chromedriver")
        .ok_or("chromedriver is not installed (apt install chromium-driver)")?;
    find("chromium").ok_or("chromium is not installed (apt install chromium)")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let process = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("chromedriver did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Driver {
        process,
        port,
        _profile: profile,
    })
}

pub(crate) async fn connect(driver: &Driver) -> Client {
    connect_as(driver, None).await
}

/// A session in a phone's viewport (`width`×812 CSS pixels, as Chromium's device
/// emulation lays pages out), or a desktop window.
async fn connect_as(driver: &Driver, phone_width: Option<u32>) -> Client {
    let profile = driver._profile.path().display().to_string();
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        &format!("--user-data-dir={profile}"),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    let mut options = serde_json::json!({ "binary": "/usr/bin/chromium", "args": args });
    if let Some(width) = phone_width {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": 812, "pixelRatio": 2.0, "touch": true }
        });
    }
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

pub(crate) fn artefact(name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    std::fs::create_dir_all(&target).ok();
    target.join(name)
}

async fn html_class(browser: &Client) -> Result<String, String> {
    let html = browser
        .find(Locator::Css("html"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(html
        .attr("class")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default())
}

pub(crate) async fn click(browser: &Client, css: &str) -> Result<(), String> {
    browser
        .find(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .click()
        .await
        .map_err(|e| e.to_string())
}

/// Waits for the page to satisfy `check`, since a click's navigation finishes asynchronously.
pub(crate) async fn wait_for(
    browser: &Client,
    what: &str,
    check: impl Fn(&str) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let source = browser.source().await.map_err(|e| e.to_string())?;
        if check(&source) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs in through the login form as a demo account, and waits for the signed-in page.
async fn sign_in(app: &TestApp, browser: &Client, username: &str) -> Result<(), String> {
    browser
        .goto(&app.url("/login"))
        .await
        .map_err(|e| e.to_string())?;
    let form = browser
        .form(Locator::Css("form.form"))
        .await
        .map_err(|e| e.to_string())?;
    form.set_by_name("username", username)
        .await
        .map_err(|e| e.to_string())?;
    form.set_by_name("password", &app.passwords[username])
        .await
        .map_err(|e| e.to_string())?;
    form.submit().await.map_err(|e| e.to_string())?;
    wait_for(browser, "the signed-in page", |s| s.contains("Đăng xuất")).await
}

/// Ends a browser scenario: on failure, a screenshot named `failure` and the panic.
pub(crate) async fn finish(browser: Client, outcome: Result<(), String>, failure: &str) {
    if let Err(why) = &outcome {
        let path = artefact(failure);
        if let Ok(png) = browser.screenshot().await {
            std::fs::write(&path, png).ok();
        }
        let _ = browser.close().await;
        panic!("{why} (screenshot: {})", path.display());
    }
    browser.close().await.unwrap();
}

async fn scenario(app: &TestApp, browser: &Client) -> Result<(), String> {
    sign_in(app, browser, "chuyenvien.tuphap").await?;
    wait_for(browser, "the signed-in home page", |s| {
        s.contains("Lý Văn Cường")
    })
    .await?;
    // The logo is drawn (the page's security policy lets it load).
    let drawn = browser
        .execute(
            "return document.querySelector('img.brand-logo').naturalWidth;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if drawn.as_u64().unwrap_or(0) == 0 {
        return Err(format!("the logo was not drawn: {drawn}"));
    }

    // The officer's pages at a desktop's width, for axe-core too.
    let officer: Vec<String> = ["/", "/work", "/processes", "/notifications", "/procedures"]
        .map(String::from)
        .into();
    check_pages(app, browser, &officer).await?;

    click(browser, "button[name=font][value=larger]").await?;
    wait_for(browser, "larger text", |s| s.contains("font-large")).await?;
    click(browser, "#contrast-toggle").await?;
    wait_for(browser, "high contrast", |s| s.contains("contrast-high")).await?;

    browser.refresh().await.map_err(|e| e.to_string())?;
    let class = html_class(browser).await?;
    if !(class.contains("font-large") && class.contains("contrast-high")) {
        return Err(format!("after reload <html class=\"{class}\">"));
    }
    browser
        .goto(&app.url("/trang-khong-ton-tai"))
        .await
        .map_err(|e| e.to_string())?;
    let class = html_class(browser).await?;
    if !(class.contains("font-large") && class.contains("contrast-high")) {
        return Err(format!("on another page <html class=\"{class}\">"));
    }
    let pressed = browser
        .find(Locator::Css("#contrast-toggle"))
        .await
        .map_err(|e| e.to_string())?;
    if pressed
        .attr("aria-pressed")
        .await
        .map_err(|e| e.to_string())?
        .as_deref()
        != Some("true")
    {
        return Err("the contrast switch does not announce its state".into());
    }
    Ok(())
}

#[tokio::test]
async fn a_user_signs_in_and_display_settings_stick_across_reloads() {
    let Some(driver) = driver_or_skip() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = connect(&driver).await;
    let outcome = scenario(&app, &browser).await;
    finish(browser, outcome, "browser-failure.png").await;
    app.stop().await;
}

/// How wide the page lays out against the viewport.
async fn widths(browser: &Client) -> Result<(u64, u64), String> {
    let v = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let n = |i: usize| v[i].as_u64().unwrap_or(u64::MAX);
    Ok((n(0), n(1)))
}

/// axe-core's script, installed from npm at test time (`.ci/run` does it; never in the
/// repository): `MOTCUA_AXE`, or `target/axe/node_modules/axe-core/axe.min.js`.
fn axe_script() -> Result<String, String> {
    let path = std::env::var_os("MOTCUA_AXE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| artefact("axe/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{} ({e}): npm install --prefix target/axe axe-core@4",
            path.display()
        )
    })
}

/// The WCAG 2.1 A and AA violations axe-core finds on the page, one line each.
async fn axe_violations(browser: &Client, axe: &str) -> Result<Vec<String>, String> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];\
         axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }} }})\
         .then(r => done(r.violations.map(v => v.id + ' (' + v.nodes.length + '): ' + \
         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))\
         .catch(e => done(['axe failed: ' + e]));"
    );
    let found = browser
        .execute_async(&script, vec![])
        .await
        .map_err(|e| e.to_string())?;
    Ok(found
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Every page in `paths` fits the phone's width (nothing scrolls sideways but a wide
/// table inside its own box) and has no WCAG 2.1 A or AA violation that axe-core finds.
/// A few are kept as screenshots for people to look at.
pub(crate) async fn check_pages(
    app: &TestApp,
    browser: &Client,
    paths: &[String],
) -> Result<(), String> {
    let axe = axe_script();
    if let Err(why) = &axe {
        motcua_testkit::skip_or_fail("axe-core", REQUIRE, why);
    }
    let mut too_wide = Vec::new();
    let mut inaccessible = Vec::new();
    for path in paths {
        browser
            .goto(&app.url(path))
            .await
            .map_err(|e| e.to_string())?;
        let source = browser.source().await.map_err(|e| e.to_string())?;
        if source.contains("<script") {
            return Err(format!(
                "{path} carries a script: pages work without JavaScript"
            ));
        }
        let (page, viewport) = widths(browser).await?;
        if page > viewport {
            too_wide.push(format!("{path}: {page} px in {viewport}"));
        }
        if let Ok(axe) = &axe {
            let contrast = html_class(browser).await?.contains("contrast-high");
            for v in axe_violations(browser, axe).await? {
                inaccessible.push(format!(
                    "{path}{}: {v}",
                    if contrast { " (high contrast)" } else { "" }
                ));
            }
        }
        let shot = path
            .trim_matches('/')
            .replace(['/', '?', '=', '&', '.'], "-");
        let shot = if shot.is_empty() { "home".into() } else { shot };
        let shot = if html_class(browser).await?.contains("contrast-high") {
            format!("{shot}-contrast")
        } else {
            shot
        };
        if let Ok(png) = browser.screenshot().await {
            let (_, viewport) = widths(browser).await?;
            let folder = if viewport < 600 { "phone" } else { "desktop" };
            let file = artefact(&format!("{folder}/{shot}.png"));
            std::fs::create_dir_all(file.parent().unwrap()).ok();
            if std::fs::write(&file, png).is_ok() {
                println!("screenshot: {}", file.display());
            }
        }
    }
    if !too_wide.is_empty() {
        return Err(format!("wider than the window: {}", too_wide.join("; ")));
    }
    if !inaccessible.is_empty() {
        return Err(format!("axe-core: {}", inaccessible.join("\n")));
    }
    Ok(())
}

async fn phone_scenario(app: &TestApp, browser: &Client, code: &str) -> Result<(), String> {
    let procedure = motcua::samples::CRIMINAL_RECORD;
    let citizen: Vec<String> = [
        "/".to_owned(),
        "/procedures".into(),
        "/procedures?q=khai+sinh".into(),
        format!("/procedures/{procedure}"),
        format!("/procedures/{procedure}/submit"),
        "/lookup".into(),
        format!("/lookup?code={code}&check=5678"),
        format!("/lookup/{code}"),
        "/news".into(),
        "/dashboard".into(),
        "/verify".into(),
        "/calendar".into(),
        "/units".into(),
        "/programme".into(),
        "/login".into(),
    ]
    .into();
    check_pages(app, browser, &citizen).await?;
    click(browser, "#contrast-toggle").await?;
    wait_for(browser, "high contrast", |s| s.contains("contrast-high")).await?;
    check_pages(app, browser, &citizen).await?;
    click(browser, "#contrast-toggle").await?;
    // The menu folds away: the first screen is not the header.
    browser
        .goto(&app.url("/"))
        .await
        .map_err(|e| e.to_string())?;
    let header = browser
        .execute(
            "return document.querySelector('header').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let header = header.as_f64().unwrap_or(f64::MAX);
    if header > 812.0 / 3.0 {
        return Err(format!("the header takes {header} px of 812"));
    }
    click(browser, "details.menu-narrow summary").await?;
    let open = browser
        .execute(
            "return document.querySelector('details.menu-narrow').open;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if open != serde_json::Value::Bool(true) {
        return Err("the menu does not open".into());
    }
    // An officer's queue and dossier.
    sign_in(app, browser, "motcua.dongkinh").await?;
    check_pages(app, browser, &["/work".to_owned()]).await?;
    let queue = browser.source().await.map_err(|e| e.to_string())?;
    let dossier = queue
        .split("href=\"/work/dossiers/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("the demo desk has dossiers")?;
    check_pages(app, browser, &[format!("/work/dossiers/{dossier}")]).await
}

#[tokio::test]
async fn citizen_pages_and_the_queue_fit_a_phone() {
    let Some(driver) = driver_or_skip() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // A dossier on the Đông Kinh desk, sent through the online form.
    motcua::samples::load(&app.store).await.unwrap();
    let agency = crate::common::agency_of(&app, "motcua.dongkinh").await;
    let client = app.client();
    let form_url = app.url(&format!(
        "/procedures/{}/submit",
        motcua::samples::CRIMINAL_RECORD
    ));
    let form = client
        .get(form_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", crate::dossier_pages::PDF),
        ("doc_1", "can-cuoc.pdf", crate::dossier_pages::PDF),
        ("doc_2", "cu-tru.pdf", crate::dossier_pages::PDF),
    ];
    let sent =
        crate::dossier_pages::submit_online(&app, &client, &form, &agency, "020095001234", &files)
            .await;
    assert_eq!(sent.status(), 200);
    let page = sent.text().await.unwrap();
    let code = crate::dossier_pages::between(&page, "id=\"dossier-code\">", "<").to_owned();
    let browser = connect_as(&driver, Some(375)).await;
    let outcome = phone_scenario(&app, &browser, &code).await;
    finish(browser, outcome, "phone-failure.png").await;
    app.stop().await;
}

/// Fills a field of the page's form by its id, replacing what the page put there.
async fn fill(browser: &Client, id: &str, value: &str) -> Result<(), String> {
    let field = browser
        .find(Locator::Id(id))
        .await
        .map_err(|e| format!("#{id}: {e}"))?;
    if field.attr("type").await.ok().flatten().as_deref() != Some("file") {
        field.clear().await.map_err(|e| format!("#{id}: {e}"))?;
    }
    field
        .send_keys(value)
        .await
        .map_err(|e| format!("#{id}: {e}"))
}

/// From the applicant's page: the signed result printed, and the address its QR code holds
/// opened on `/verify`; the verdict page.
async fn print_and_verify(app: &TestApp, browser: &Client) -> Result<String, String> {
    click(browser, "#print-result").await?;
    wait_for(browser, "the result sheet", |s| s.contains("<svg")).await?;
    let sheet = browser.source().await.map_err(|e| e.to_string())?;
    let check: String = crate::dossier_pages::between(&sheet, "/verify?sha256=", "\"")
        .chars()
        .take(64)
        .collect();
    let verify = app.url(&format!("/verify?sha256={check}"));
    browser.goto(&verify).await.map_err(|e| e.to_string())?;
    wait_for(browser, "the verdict", |s| s.contains("id=\"verdict\"")).await?;
    browser.source().await.map_err(|e| e.to_string())
}

/// The whole citizen's journey in Chromium, through the pages only (the officers' side
/// over HTTP): an online submission with three files (anonymous, or signed in as the demo
/// citizen), the supplement sent against its component, the signed result printed and
/// checked, the handling rated. Without JavaScript nothing is lost: the pages carry none
/// ([`check_pages`]).
async fn journey(
    app: &TestApp,
    browser: &Client,
    files: &std::path::Path,
    citizen: Option<&str>,
) -> Result<(), String> {
    let at = |s: &str| app.url(s);
    let go = |url: String| async move { browser.goto(&url).await.map_err(|e| e.to_string()) };
    if let Some(username) = citizen {
        sign_in(app, browser, username).await?;
    }
    go(at(&format!(
        "/procedures/{}/submit",
        motcua::samples::CRIMINAL_RECORD
    )))
    .await?;
    fill(browser, "name", "Nguyễn Văn An").await?;
    fill(browser, "citizen_id", "020095001234").await?;
    fill(browser, "phone", "0912345678").await?;
    let agency = crate::common::agency_of(app, "motcua.dongkinh").await;
    browser
        .find(Locator::Id("agency"))
        .await
        .map_err(|e| e.to_string())?
        .select_by_value(&agency)
        .await
        .map_err(|e| e.to_string())?;
    for i in 0..3 {
        let path = files.join(format!("to-{i}.pdf"));
        fill(browser, &format!("doc_{i}"), &path.display().to_string()).await?;
    }
    click(
        browser,
        "form[enctype='multipart/form-data'] button[type=submit].primary",
    )
    .await?;
    wait_for(browser, "the confirmation", |s| {
        s.contains("id=\"dossier-code\"")
    })
    .await?;
    let page = browser.source().await.map_err(|e| e.to_string())?;
    let code = crate::dossier_pages::between(&page, "id=\"dossier-code\">", "<").to_owned();
    let secret = crate::dossier_pages::between(&page, "id=\"lookup-secret\">", "<").to_owned();
    for name in ["to-0.pdf", "to-1.pdf", "to-2.pdf"] {
        if !page.contains(name) {
            return Err(format!("{name} not on the confirmation"));
        }
    }

    let missing = crate::applicant::ask_for_supplement(app, &code).await;
    // Their own page when signed in; else a fresh look with the code and the receipt's
    // secret.
    let own_page = match citizen {
        Some(_) => {
            go(at("/my/dossiers")).await?;
            click(browser, &format!("a[href='/my/dossiers/{code}']")).await?;
            format!("/my/dossiers/{code}")
        }
        None => {
            go(at(&format!("/lookup?code={code}&check={secret}"))).await?;
            format!("/lookup/{code}")
        }
    };
    let page = browser.source().await.map_err(|e| e.to_string())?;
    if !page.contains("Cơ quan đề nghị bổ sung hồ sơ") || !page.contains(&missing) {
        return Err("the supplement request is not shown".into());
    }
    let path = files.join("bo-sung.pdf");
    fill(browser, "supplement-1", &path.display().to_string()).await?;
    click(browser, ".supplement-form button[type=submit]").await?;
    wait_for(browser, "the supplement sent", |s| {
        s.contains("Đã gửi tài liệu bổ sung") && s.contains("Đã gửi: bo-sung.pdf")
    })
    .await?;

    crate::applicant::officers_finish(app, &code).await;
    go(at(&own_page)).await?;
    let page = browser.source().await.map_err(|e| e.to_string())?;
    if !page.contains("Tải kết quả: phieu-ly-lich.pdf") {
        return Err("no result to download".into());
    }
    let verdict = print_and_verify(app, browser).await?;
    if !verdict.contains("Hợp lệ: tài liệu đúng là tài liệu cơ quan đã ký") {
        return Err("the result does not verify".into());
    }

    go(at(&own_page)).await?;
    click(browser, "input[name=score_timeliness][value='2']").await?;
    click(browser, "input[name=score_staff_attitude][value='1']").await?;
    click(browser, "form.rating-criteria button[type=submit]").await?;
    wait_for(browser, "the thanks", |s| {
        s.contains("Cảm ơn bạn đã đánh giá")
    })
    .await?;
    let record = app
        .store
        .dossier(&code)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the dossier")?;
    match record.dossier.rating {
        Some(r) if r.average() == 1.5 => Ok(()),
        other => Err(format!("rated {other:?}")),
    }
}

async fn journey_in(backend: Backend, phone: bool, citizen: Option<&str>) {
    let Some(driver) = driver_or_skip() else {
        return;
    };
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    motcua::samples::load(&app.store).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    for name in ["to-0.pdf", "to-1.pdf", "to-2.pdf", "bo-sung.pdf"] {
        std::fs::write(
            files.path().join(name),
            format!("%PDF-1.7\n% {name}\n%%EOF\n"),
        )
        .unwrap();
    }
    let browser = connect_as(&driver, phone.then_some(375)).await;
    let outcome = journey(&app, &browser, files.path(), citizen).await;
    finish(browser, outcome, "journey-failure.png").await;
    app.stop().await;
}

// Chromium with JavaScript switched off also stops chromedriver's own click and wait
// helpers, so "without JavaScript" is shown otherwise: [`check_pages`] finds no script
// on any page, so a browser without one sees exactly what these journeys see.
#[tokio::test]
async fn an_anonymous_citizen_journey_on_a_phone_on_sqlite() {
    journey_in(Backend::Sqlite, true, None).await;
}

#[tokio::test]
async fn a_signed_in_citizen_journey_at_a_desk_on_postgres() {
    journey_in(Backend::Postgres, false, Some("congdan")).await;
}

/// A birth registration on its electronic form, in Chromium at a desk, signed in as the
/// demo citizen: the declaration typed (code lists, the commune of the address, a
/// condition left off), a repeating group… then the officers make the extract from the
/// data, approval signs it, and the citizen downloads it and checks it on `/verify`, which
/// says what it certifies.
async fn birth_on_its_form(
    app: &TestApp,
    browser: &Client,
    files: &std::path::Path,
) -> Result<(), String> {
    let at = |s: &str| app.url(s);
    let go = |url: String| async move { browser.goto(&url).await.map_err(|e| e.to_string()) };
    sign_in(app, browser, "congdan").await?;
    let submit_page = format!("/procedures/{}/submit", motcua::samples::BIRTH);
    check_pages(app, browser, std::slice::from_ref(&submit_page)).await?;
    go(at(&submit_page)).await?;
    let select = |id: &'static str, value: String| async move {
        browser
            .find(Locator::Id(id))
            .await
            .map_err(|e| format!("#{id}: {e}"))?
            .select_by_value(&value)
            .await
            .map_err(|e| format!("#{id}: {e}"))
    };
    // A date input takes its value in the browser's own format when typed; set it as the
    // form sends it.
    let date = |id: &'static str, value: &'static str| async move {
        browser
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![serde_json::json!(id), serde_json::json!(value)],
            )
            .await
            .map(|_| ())
            .map_err(|e| format!("#{id}: {e}"))
    };
    // A long form, in steps with a progress line; what was typed travels between them.
    let next = |no: usize| async move {
        click(
            browser,
            &format!("button[name=form_action][value='step:{no}'].primary"),
        )
        .await?;
        let wanted = format!("aria-current=\"step\" class=\"current\">Bước {}/", no + 1);
        wait_for(browser, "the next step", move |s| s.contains(&wanted)).await
    };
    // Prefilled from the account and its verified identity.
    let page = browser.source().await.map_err(|e| e.to_string())?;
    if !page.contains("value=\"020095001234\"") || !page.contains("Bước 1/") {
        return Err("the first step is not prefilled or has no progress line".into());
    }
    select("f-nyc_noi_cu_tru", "05977".into()).await?;
    fill(browser, "f-nyc_noi_cu_tru-street", "12 Lê Lợi").await?;
    select("f-nyc_quan_he", "02".into()).await?;
    fill(browser, "f-ks_ho_ten", "Nguyễn Thị Mai").await?;
    select("f-ks_gioi_tinh", "2".into()).await?;
    date("f-ks_ngay_sinh", "2026-11-20").await?;
    fill(browser, "f-ks_noi_sinh", "Bệnh viện Đa khoa tỉnh Lạng Sơn").await?;
    select("f-ks_dan_toc", "01".into()).await?;
    select("f-ks_quoc_tich", "VN".into()).await?;
    next(1).await?;
    fill(browser, "f-me_ho_ten", "Trần Thị Bình").await?;
    date("f-me_ngay_sinh", "1995-04-02").await?;
    select("f-me_dan_toc", "02".into()).await?;
    select("f-me_quoc_tich", "VN".into()).await?;
    click(browser, "input[name='f.has_father'][value='false']").await?;
    next(2).await?;
    click(browser, "input[name='f.cap_ban_sao'][value='true']").await?;
    click(browser, "input[name='f.cam_doan'][value='true']").await?;
    // Enter in a field goes on to the next step (the form's hidden default button).
    fill(browser, "f-so_ban_sao", "2\u{E007}").await?;
    wait_for(browser, "the last step after Enter", |s| {
        s.contains("aria-current=\"step\" class=\"current\">Bước 4/")
    })
    .await?;
    // The last step: the applicant, the receiving agency and the files.
    fill(browser, "citizen_id", "020095001234").await?;
    fill(browser, "phone", "0912345678").await?;
    let agency = crate::common::agency_of(app, "motcua.dongkinh").await;
    select("agency", agency).await?;
    let mut i = 0;
    while browser.find(Locator::Id(&format!("doc_{i}"))).await.is_ok() {
        let path = files.join(format!("to-{}.pdf", i.min(2)));
        fill(browser, &format!("doc_{i}"), &path.display().to_string()).await?;
        i += 1;
    }
    click(
        browser,
        "form[enctype='multipart/form-data'] button[type=submit][class=primary]",
    )
    .await?;
    wait_for(browser, "the confirmation", |s| {
        s.contains("id=\"dossier-code\"")
    })
    .await?;
    let page = browser.source().await.map_err(|e| e.to_string())?;
    let code = crate::dossier_pages::between(&page, "id=\"dossier-code\">", "<").to_owned();

    // The officers: received, the extract made from the data, approved (signed), returned.
    let commune = crate::common::agency_of(app, "motcua.dongkinh").await;
    let receiver = crate::common::Api::new(app, "motcua.dongkinh").await;
    let specialist = crate::common::officer(app, "chuyenvien.dk", Role::Specialist, &commune).await;
    let leader = crate::common::officer(app, "lanhdao.dk", Role::Leader, &commune).await;
    receiver
        .act_ok(&code, "accept", serde_json::json!({}))
        .await;
    let r = receiver
        .post(
            &format!("/api/v1/dossiers/{code}/results/from-form"),
            &serde_json::json!({"register_no": "125/2026"}),
        )
        .await;
    if r.status() != 201 {
        return Err(format!(
            "the extract: {}",
            r.text().await.unwrap_or_default()
        ));
    }
    receiver
        .act_ok(&code, "forward", serde_json::json!({}))
        .await;
    specialist
        .act_ok(&code, "forward", serde_json::json!({}))
        .await;
    leader.act_ok(&code, "approve", serde_json::json!({})).await;
    leader
        .act_ok(
            &code,
            "finish",
            serde_json::json!({"result": "Trích lục khai sinh", "electronic": true}),
        )
        .await;
    receiver
        .act_ok(&code, "return_result", serde_json::json!({}))
        .await;

    go(at("/my/dossiers")).await?;
    click(browser, &format!("a[href='/my/dossiers/{code}']")).await?;
    let page = browser.source().await.map_err(|e| e.to_string())?;
    let name = format!("trich-luc-khai-sinh-{code}.pdf");
    if !page.contains(&format!("Tải kết quả: {name}")) {
        return Err(format!("no extract to download: {page}"));
    }
    if !page.contains("Tờ khai đã nộp") || !page.contains("Nguyễn Thị Mai") {
        return Err("the declaration is not on the citizen's page".into());
    }
    let verdict = print_and_verify(app, browser).await?;
    if !verdict.contains("Hợp lệ: tài liệu đúng là tài liệu cơ quan đã ký")
        || !verdict.contains("Nội dung được chứng thực: TRÍCH LỤC KHAI SINH")
        || !verdict.contains("125/2026")
    {
        return Err(format!("the extract does not verify as made: {verdict}"));
    }
    Ok(())
}

#[tokio::test]
async fn a_birth_registration_on_its_form_to_a_signed_extract_at_a_desk_on_sqlite() {
    let Some(driver) = driver_or_skip() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    crate::forms::with_processes(&app).await;
    let files = tempfile::tempdir().unwrap();
    for i in 0..3 {
        std::fs::write(
            files.path().join(format!("to-{i}.pdf")),
            format!("%PDF-1.7\n% {i}\n%%EOF\n"),
        )
        .unwrap();
    }
    let browser = connect_as(&driver, None).await;
    let outcome = birth_on_its_form(&app, &browser, files.path()).await;
    finish(browser, outcome, "birth-failure.png").await;
    app.stop().await;
}

/// The form designer as a province administrator sees it: a field's and a section's editor
/// open over the preview, and a form started on a procedure without one.
#[tokio::test]
async fn the_form_designer_passes_the_page_checks() {
    let Some(driver) = driver_or_skip() else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = connect(&driver).await;
    let outcome = async {
        sign_in(&app, &browser, "quantri.tinh").await?;
        let pages = [
            "/procedures/1.001193/form?edit=1.2",
            "/procedures/2.000720/form?edit=3",
            "/procedures/2.000488/form",
        ]
        .map(String::from);
        check_pages(&app, &browser, &pages).await
    }
    .await;
    finish(browser, outcome, "designer-failure.png").await;
    app.stop().await;
}
