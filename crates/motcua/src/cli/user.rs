//! `motcua user …`: accounts, through `motcua_app::accounts`.

use anyhow::Context;
use clap::Subcommand;
use motcua::DataLocation;
use std::io::Read;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// citizen, receiver, specialist, leader, unit_admin, province_admin or auditor.
        #[arg(long)]
        role: String,
        /// The agency's identifier (required for receiver, specialist, leader, unit_admin).
        #[arg(long)]
        agency: Option<String>,
        /// The name shown on pages; defaults to the username.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (the only way, so it never shows in the process list).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Bind a citizen account to a citizen ID or tax code (after checking the person's
    /// identity): they then see that number's document store at /wallet.
    LinkIdentity {
        #[arg(long)]
        username: String,
        /// A 12-digit citizen ID or a tax code.
        #[arg(long)]
        identity: String,
    },
}

pub async fn run(command: UserCommand, location: &DataLocation) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            agency,
            name,
            password_stdin: _,
        } => {
            super::with_app(location, async |app| {
                add_user(app, &username, &role, agency, name).await
            })
            .await
        }
        UserCommand::LinkIdentity { username, identity } => {
            super::with_app(location, async |app| {
                link_identity(app, &username, &identity).await
            })
            .await
        }
    }
}

async fn link_identity(
    app: &motcua_app::App,
    username: &str,
    identity: &str,
) -> anyhow::Result<()> {
    let holder = motcua_app::accounts::link_identity(app, username, identity).await?;
    println!("Đã gắn {holder} với tài khoản {username}. Linked {holder} to {username}.");
    Ok(())
}

async fn add_user(
    app: &motcua_app::App,
    username: &str,
    role: &str,
    agency: Option<String>,
    name: Option<String>,
) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("cannot read the password from standard input")?;
    let account = motcua_app::accounts::NewAccount {
        username: username.to_owned(),
        role: role.to_owned(),
        agency,
        display_name: name,
        password: password.trim_end_matches(['\n', '\r']).to_owned(),
    };
    let created = motcua_app::accounts::add_user(app, account).await?;
    println!(
        "Đã tạo tài khoản {} ({}). Created user {}.",
        created.username,
        created.role.label_vi(),
        created.username
    );
    Ok(())
}
