//! A full sign-in with the national electronic identity in Chromium: motcua's button, the
//! provider's own login and consent pages, back signed in with the verified name on the
//! form, and out again through the provider's logout.

use crate::browser::{Driver, check_pages, click, connect, driver_or_skip, finish, wait_for};
use crate::common::{Backend, TestApp};
use fantoccini::{Client, Locator};

async fn scenario(app: &TestApp, browser: &Client) -> Result<(), String> {
    let e = |e: fantoccini::error::CmdError| e.to_string();
    browser.goto(&app.url("/login")).await.map_err(e)?;
    click(browser, "#vneid-sign-in").await?;
    // The provider's login page (oidc-provider's development interactions).
    wait_for(browser, "the provider's login page", |s| {
        s.contains(r#"name="login""#)
    })
    .await?;
    let form = browser.form(Locator::Css("form")).await.map_err(e)?;
    form.set_by_name("login", "an").await.map_err(e)?;
    form.set_by_name("password", "bat-ky").await.map_err(e)?;
    form.submit().await.map_err(e)?;
    wait_for(browser, "the provider's consent page", |s| {
        s.contains(r#"value="consent""#)
    })
    .await?;
    click(browser, "button[type=submit]").await?;
    wait_for(browser, "back at motcua, signed in", |s| {
        s.contains("Hồ sơ của tôi") && s.contains("Đăng xuất") && s.contains("Hoàng Thị An")
    })
    .await?;
    let url = browser.current_url().await.map_err(e)?;
    // The login page was opened without a `next`: home.
    if url.path() != "/" {
        return Err(format!("landed on {url}"));
    }
    let form_path = format!("/procedures/{}/submit", motcua::samples::CRIMINAL_RECORD);
    check_pages(app, browser, std::slice::from_ref(&form_path)).await?;
    let name = browser.find(Locator::Id("name")).await.map_err(e)?;
    let readonly = name.attr("readonly").await.map_err(e)?;
    let value = name.prop("value").await.map_err(e)?;
    if readonly.is_none() || value.as_deref() != Some("Hoàng Thị An") {
        return Err(format!(
            "name field: readonly {readonly:?}, value {value:?}"
        ));
    }

    // Signing out here, then at the provider, and back home signed out.
    browser.goto(&app.url("/logout")).await.map_err(e)?;
    click(browser, "form.narrow[action='/logout'] button.primary").await?;
    wait_for(browser, "the provider's logout page", |s| {
        s.contains("name=\"logout\"")
    })
    .await?;
    click(browser, "button[name=logout]").await?;
    wait_for(browser, "home, signed out", |s| {
        s.contains("Đăng nhập") && !s.contains("Đăng xuất")
    })
    .await?;
    let url = browser.current_url().await.map_err(e)?;
    if !url.as_str().starts_with(&app.base) {
        return Err(format!("after signing out: {url}"));
    }
    Ok(())
}

#[tokio::test]
async fn a_citizen_signs_in_with_the_electronic_identity_in_a_browser() {
    let Some(driver): Option<Driver> = driver_or_skip() else {
        return;
    };
    let Some((app, provider)) = crate::identity::app_with_provider(Backend::Sqlite).await else {
        return;
    };
    motcua::samples::load(&app.store).await.unwrap();
    let browser = connect(&driver).await;
    let outcome = scenario(&app, &browser)
        .await
        .map_err(|why| format!("{why}\nprovider log:\n{}", provider.log()));
    finish(browser, outcome, "identity-browser-failure.png").await;
}
