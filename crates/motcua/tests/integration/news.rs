//! Portal news: the API, the pages, ratings once per reader, safe Markdown, editing
//! rights and featured news on the home page.

use crate::common::{Backend, TestApp, api_token, csrf_from, login, problem};
use motcua_domain::news::slugify;
use reqwest::StatusCode;
use serde_json::{Value, json};

const FIRST: &str = "Lạng Sơn chính thức vận hành chính quyền địa phương hai cấp";
const SECOND: &str = "Nộp hồ sơ ở đâu cũng được: tiếp nhận không phụ thuộc địa giới hành chính";
const WARD_NEWS: &str = "Phường Đông Kinh: những ngày đầu vận hành bộ phận một cửa";
const LIST_NEWS: &str = "Công bố danh mục thủ tục hành chính áp dụng sau sắp xếp đơn vị hành chính";

fn rate(
    client: &reqwest::Client,
    app: &TestApp,
    slug: &str,
    stars: i64,
) -> reqwest::RequestBuilder {
    client
        .post(app.url(&format!("/api/v1/news/{slug}/ratings")))
        .json(&json!({ "stars": stars }))
}

async fn news_api(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let list: Value = reqwest::get(app.url("/api/v1/news"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 5);
    assert_eq!(
        titles[0],
        "Hướng dẫn nộp hồ sơ trực tuyến cho 25 dịch vụ công thiết yếu"
    );
    assert_eq!(titles[4], LIST_NEWS, "newest first");
    let featured: Value = reqwest::get(app.url("/api/v1/news?featured=true"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let featured: Vec<&str> = featured
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(featured, [SECOND, FIRST]);

    let slug = slugify(FIRST);
    assert_eq!(
        slug,
        "lang-son-chinh-thuc-van-hanh-chinh-quyen-dia-phuong-hai-cap"
    );
    let article: Value = reqwest::get(app.url(&format!("/api/v1/news/{slug}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        article["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>65 đơn vị hành chính cấp xã</strong>"),
        "{article}"
    );
    assert_eq!(article["agency_name"], "Ủy ban nhân dân tỉnh Lạng Sơn");
    assert_eq!(
        article["rating"],
        json!({"sum": 0, "count": 0, "average": null, "text": "Tổng số điểm của bài viết là: 0 trong 0 đánh giá"})
    );
    problem(
        reqwest::get(app.url("/api/v1/news/khong-co"))
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;

    // Once per reader: anonymous readers by their visitor cookie, users by account.
    let reader = app.client();
    let response = rate(&reader, &app, &slug, 5).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("motcua_visitor="))
        .expect("a visitor cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let totals: Value = response.json().await.unwrap();
    assert_eq!(
        (totals["sum"].as_i64(), totals["count"].as_i64()),
        (Some(5), Some(1))
    );
    problem(
        rate(&reader, &app, &slug, 1).send().await.unwrap(),
        409,
        "already_rated",
    )
    .await;
    let other = app.client();
    let totals: Value = rate(&other, &app, &slug, 3)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        totals["text"],
        "Tổng số điểm của bài viết là: 8 trong 2 đánh giá"
    );
    assert_eq!(totals["average"], 4.0);
    let token = api_token(&app, "congdan").await;
    let response = rate(&reqwest::Client::new(), &app, &slug, 4)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    problem(
        rate(&reqwest::Client::new(), &app, &slug, 4)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        409,
        "already_rated",
    )
    .await;
    problem(
        rate(&other, &app, &slug, 6).send().await.unwrap(),
        400,
        "invalid_stars",
    )
    .await;
    problem(
        rate(&other, &app, "khong-co", 3).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let article: Value = reqwest::get(app.url(&format!("/api/v1/news/{slug}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            article["rating"]["sum"].as_i64(),
            article["rating"]["count"].as_i64()
        ),
        (Some(12), Some(3))
    );
    let events = app
        .store
        .audit_events_for(&format!("article:{slug}"))
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.entry.action == "news.rated")
            .count(),
        3
    );
    app.stop().await;
}

#[tokio::test]
async fn news_api_on_sqlite() {
    news_api(Backend::Sqlite).await;
}

#[tokio::test]
async fn news_api_on_postgres() {
    news_api(Backend::Postgres).await;
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A reader who drops the visitor cookie is a new reader each time: the address is capped.
async fn anonymous_ratings_are_capped_per_address(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let slug = slugify(FIRST);
    for n in 1..=10 {
        let response = rate(&reqwest::Client::new(), &app, &slug, 5)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "rating {n}");
    }
    problem(
        rate(&reqwest::Client::new(), &app, &slug, 1)
            .send()
            .await
            .unwrap(),
        429,
        "too_many_ratings",
    )
    .await;
    // The page form answers the same, readably; an account still rates.
    let browser = app.client();
    let html = browser
        .get(app.url(&format!("/news/{slug}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = browser
        .post(app.url(&format!("/news/{slug}/ratings")))
        .form(&[("csrf_token", csrf_from(&html).as_str()), ("stars", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("quá nhiều đánh giá")
    );
    let token = api_token(&app, "congdan").await;
    let totals: Value = rate(&reqwest::Client::new(), &app, &slug, 1)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (totals["sum"].as_i64(), totals["count"].as_i64()),
        (Some(51), Some(11))
    );
    app.stop().await;
}

#[tokio::test]
async fn anonymous_ratings_are_capped_per_address_on_sqlite() {
    anonymous_ratings_are_capped_per_address(Backend::Sqlite).await;
}

#[tokio::test]
async fn anonymous_ratings_are_capped_per_address_on_postgres() {
    anonymous_ratings_are_capped_per_address(Backend::Postgres).await;
}

#[tokio::test]
async fn the_home_page_shows_featured_news() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (status, html) = page(&app.client(), &app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h2 id=\"featured-heading\">Tin nổi bật</h2>"));
    assert!(html.contains(FIRST) && html.contains(SECOND));
    assert!(!html.contains(WARD_NEWS), "only featured articles");
    assert!(html.contains(&format!("href=\"/news/{}\"", slugify(FIRST))));
    assert!(
        html.contains("<strong>65</strong> đơn vị hành chính cấp xã"),
        "the rest of the page stays"
    );
    assert!(
        html.contains("<a href=\"/news\">Tin tức</a>"),
        "the nav link"
    );
    app.stop().await;
}

#[tokio::test]
async fn readers_rate_an_article_once_on_its_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let reader = app.client();
    let (status, html) = page(&reader, &app, "/news").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(WARD_NEWS) && html.contains("Nổi bật"));
    assert!(!html.contains("Viết bài mới"));
    let path = format!("/news/{}", slugify(WARD_NEWS));
    let (status, html) = page(&reader, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tổng số điểm của bài viết là: 0 trong 0 đánh giá"));
    assert!(html.contains("<strong>6 quầy</strong>"));
    assert!(
        html.contains("<input type=\"radio\" id=\"stars-5\" name=\"stars\" value=\"5\" required>")
    );
    assert!(html.contains("<label for=\"stars-5\">5 sao</label>"));
    let token = csrf_from(&html);
    let send = |stars: &'static str| {
        reader
            .post(app.url(&format!("{path}/ratings")))
            .form(&[("csrf_token", token.as_str()), ("stars", stars)])
            .send()
    };
    let response = send("4").await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("{path}?rated=1#rating").as_str()
    );
    let (_, html) = page(&reader, &app, &format!("{path}?rated=1")).await;
    assert!(html.contains("Cảm ơn bạn đã đánh giá bài viết."));
    assert!(
        html.contains("Tổng số điểm của bài viết là: 4 trong 1 đánh giá"),
        "{html}"
    );
    assert!(html.contains("(trung bình 4,0 sao)"));
    assert!(html.contains("Bạn đã đánh giá bài viết này 4 sao."));
    assert!(!html.contains("name=\"stars\""), "no second form");
    let response = send("1").await.unwrap();
    assert_eq!(
        response.headers()["location"],
        format!("{path}?rated=already#rating").as_str()
    );
    let (_, html) = page(&reader, &app, &path).await;
    assert!(html.contains("Tổng số điểm của bài viết là: 4 trong 1 đánh giá"));
    let response = send("9").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Without the CSRF token the form is refused.
    let response = reader
        .post(app.url(&format!("{path}/ratings")))
        .form(&[("stars", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Another reader counts.
    let other = app.client();
    let (_, html) = page(&other, &app, &path).await;
    let response = other
        .post(app.url(&format!("{path}/ratings")))
        .form(&[("csrf_token", csrf_from(&html).as_str()), ("stars", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&other, &app, &path).await;
    assert!(html.contains("Tổng số điểm của bài viết là: 9 trong 2 đánh giá"));
    assert!(html.contains("(trung bình 4,5 sao)"));
    app.stop().await;
}

async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = app.client();
    let response = login(app, &client, username, &app.passwords[username]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    client
}

#[tokio::test]
async fn editors_write_their_agencys_news_and_markdown_stays_safe() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let anonymous = app.client().get(app.url("/news/new")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let auditor = signed_in(&app, "thanhtra").await;
    assert_eq!(
        page(&auditor, &app, "/news/new").await.0,
        StatusCode::FORBIDDEN
    );

    let ward = signed_in(&app, "quantri.dongkinh").await;
    let (status, html) = page(&ward, &app, "/news/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("name=\"featured\""),
        "unit administrators do not feature news"
    );
    assert!(!html.contains("Sở Tư pháp"), "only their own agency");
    let token = csrf_from(&html);
    let evil = "Xin chào <script>alert('x')</script>\n\n\
        <img src=\"anh.png\" onerror=\"alert(1)\">\n\n\
        [bấm vào đây](javascript:alert(2)) và **đậm**";
    let form = |title: &str, slug: &str, featured: bool| {
        let mut f = vec![
            ("csrf_token", token.clone()),
            ("title", title.to_owned()),
            ("slug", slug.to_owned()),
            ("summary", "Tóm tắt".to_owned()),
            ("body", evil.to_owned()),
            ("agency", "000.00.02.H37".to_owned()),
            ("published_on", "2025-07-10".to_owned()),
        ];
        if featured {
            f.push(("featured", "1".to_owned()));
        }
        f
    };
    let response = ward
        .post(app.url("/news/new"))
        .form(&form("Thử nghiệm an toàn", "", true))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/news/thu-nghiem-an-toan");
    let (status, html) = page(&app.client(), &app, "/news/thu-nghiem-an-toan").await;
    assert_eq!(status, StatusCode::OK);
    let body =
        &html[html.find("class=\"article-body\"").unwrap()..html.find("id=\"rating\"").unwrap()];
    for banned in ["<script", "onerror", "javascript:"] {
        assert!(
            !body.to_ascii_lowercase().contains(banned),
            "{banned} in {body}"
        );
    }
    assert!(body.contains("<strong>đậm</strong>") && body.contains("<img src=\"anh.png\">"));
    let stored = app
        .store
        .article_by_slug("thu-nghiem-an-toan")
        .await
        .unwrap()
        .unwrap();
    let dong_kinh = app
        .store
        .find_user_by_username("quantri.dongkinh")
        .await
        .unwrap()
        .unwrap()
        .agency_code
        .unwrap();
    assert_eq!(
        stored.agency_code, dong_kinh,
        "a unit administrator writes for their agency"
    );
    assert!(!stored.featured);

    // Errors keep what was typed; a taken slug is a conflict.
    let response = ward
        .post(app.url("/news/new"))
        .form(&form("Thử nghiệm an toàn", "", false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("đã được dùng"));
    let response = ward
        .post(app.url("/news/new"))
        .form(&form("", "", false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Tiêu đề không được để trống")
    );

    // Their own agency's articles only.
    let own = format!("/news/{}/edit", slugify(WARD_NEWS));
    let (status, html) = page(&ward, &app, &own).await;
    assert_eq!(status, StatusCode::OK);
    let response = ward
        .post(app.url(&own))
        .form(&[
            ("csrf_token", csrf_from(&html)),
            ("title", "Phường Đông Kinh: một tuần vận hành".into()),
            ("slug", "dong-kinh-mot-tuan".into()),
            ("summary", "Tóm tắt mới".into()),
            ("body", "Nội dung mới".into()),
            ("published_on", "2025-07-08".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/news/dong-kinh-mot-tuan");
    let others = format!("/news/{}/edit", slugify(LIST_NEWS));
    assert_eq!(page(&ward, &app, &others).await.0, StatusCode::FORBIDDEN);
    let response = ward
        .post(app.url(&others))
        .form(&[("csrf_token", token.as_str()), ("title", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Province administrators edit anything and choose what is featured.
    let admin = signed_in(&app, "quantri.tinh").await;
    let (status, html) = page(&admin, &app, &others).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"featured\""));
    let a = app
        .store
        .article_by_slug(&slugify(LIST_NEWS))
        .await
        .unwrap()
        .unwrap();
    let response = admin
        .post(app.url(&others))
        .form(&[
            ("csrf_token", csrf_from(&html)),
            ("title", a.title.clone()),
            ("slug", a.slug.clone()),
            ("summary", a.summary.clone()),
            ("body", a.body_md.clone()),
            ("agency", a.agency_code.clone()),
            ("published_on", a.published_on.to_string()),
            ("featured", "1".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app.client(), &app, "/").await;
    assert!(html.contains(LIST_NEWS), "now featured on the home page");

    // An article dated in the future waits: hidden from readers, visible to its editor.
    let (_, html) = page(&admin, &app, "/news/new").await;
    let response = admin
        .post(app.url("/news/new"))
        .form(&[
            ("csrf_token", csrf_from(&html)),
            ("title", "Tin sắp đăng".into()),
            ("summary", "Sau này".into()),
            ("body", "Nội dung".into()),
            ("agency", "000.00.00.H37".into()),
            ("published_on", "2099-01-01".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page(&app.client(), &app, "/news/tin-sap-dang").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, html) = page(&admin, &app, "/news/tin-sap-dang").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chưa đến ngày đăng"));
    let (_, html) = page(&app.client(), &app, "/news").await;
    assert!(!html.contains("Tin sắp đăng"));
    app.stop().await;
}
