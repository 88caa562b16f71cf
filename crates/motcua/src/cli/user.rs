//! `motcua user …`: accounts, through `motcua_app::accounts`.

use anyhow::Context;
use clap::Subcommand;
use motcua::DataLocation;
use motcua_app::accounts::AccountChange;
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
    /// Bind an officer's account to their subject (`sub`) at the organisation's OpenID
    /// provider, so they can sign in through it when their agency allows; `--remove` unbinds.
    /// Ends the account's sessions either way.
    BindSso {
        #[arg(long)]
        username: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        remove: bool,
    },
    /// Let an agency's staff sign in through the organisation's OpenID provider (`--stop`
    /// ends it).
    AllowSso {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        stop: bool,
    },
    /// Stop an account from signing in, and end its sessions and API tokens.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Let a disabled account sign in again (its agency must be working).
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Give an account another role; officer roles keep their agency unless `--agency` names
    /// another, and the other roles take none. Ends its sessions and API tokens.
    SetRole {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        agency: Option<String>,
    },
    /// Move an officer to another (working) agency. Ends its sessions and API tokens.
    SetAgency {
        #[arg(long)]
        username: String,
        #[arg(long)]
        agency: String,
    },
    /// End every session and API token of an account.
    RevokeTokens {
        #[arg(long)]
        username: String,
    },
    /// List accounts: active ones by default.
    List {
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        role: Option<String>,
        /// Disabled accounts too.
        #[arg(long, conflicts_with = "disabled")]
        all: bool,
        /// Only disabled accounts.
        #[arg(long)]
        disabled: bool,
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
        UserCommand::BindSso {
            username,
            subject,
            remove,
        } => {
            super::with_app(location, async |app| {
                let changed = motcua_app::identity::admin::bind_staff_subject(
                    app, None, &username, &subject, !remove,
                )
                .await?;
                let what = match (remove, changed) {
                    (false, true) => "đã gắn / bound",
                    (true, true) => "đã gỡ / unbound",
                    (_, false) => "không đổi / unchanged",
                };
                println!("{username} ↔ {subject}: {what}");
                Ok(())
            })
            .await
        }
        UserCommand::AllowSso { agency, stop } => {
            super::with_app(location, async |app| {
                let changed =
                    motcua_app::identity::admin::set_agency_sso(app, None, &agency, !stop).await?;
                let what = match (stop, changed) {
                    (false, true) => "cho phép đăng nhập một lần / single sign-on allowed",
                    (true, true) => "dừng đăng nhập một lần / single sign-on stopped",
                    (_, false) => "không đổi / unchanged",
                };
                println!("{agency}: {what}");
                Ok(())
            })
            .await
        }
        UserCommand::List {
            agency,
            role,
            all,
            disabled,
        } => {
            super::with_app(location, async |app| {
                list(app, agency, role, (!all).then_some(!disabled)).await
            })
            .await
        }
        UserCommand::Disable { username } => {
            change(location, username, AccountChange::Disable).await
        }
        UserCommand::Enable { username } => change(location, username, AccountChange::Enable).await,
        UserCommand::SetRole {
            username,
            role,
            agency,
        } => change(location, username, AccountChange::SetRole { role, agency }).await,
        UserCommand::SetAgency { username, agency } => {
            change(location, username, AccountChange::SetAgency { agency }).await
        }
        UserCommand::RevokeTokens { username } => {
            change(location, username, AccountChange::RevokeTokens).await
        }
    }
}

async fn change(
    location: &DataLocation,
    username: String,
    what: AccountChange,
) -> anyhow::Result<()> {
    super::with_app(location, async |app| {
        let user = motcua_app::accounts::change_account(app, None, &username, what.clone()).await?;
        let done = match &what {
            AccountChange::Disable => "đã khóa / disabled",
            AccountChange::Enable => "đã mở lại / enabled",
            AccountChange::SetRole { .. } => "đã đổi vai trò / role changed",
            AccountChange::SetAgency { .. } => "đã chuyển cơ quan / agency changed",
            AccountChange::RevokeTokens => {
                "đã thu hồi phiên và mã truy cập / sessions and tokens revoked"
            }
        };
        println!(
            "{}: {done} ({}, {}).",
            user.username,
            user.role.as_str(),
            user.agency_code.as_deref().unwrap_or("-")
        );
        Ok(())
    })
    .await
}

async fn list(
    app: &motcua_app::App,
    agency: Option<String>,
    role: Option<String>,
    active: Option<bool>,
) -> anyhow::Result<()> {
    let role = match role {
        Some(r) => Some(
            r.parse::<motcua_domain::account::Role>()
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    let filter = motcua_store::UserFilter {
        agency_code: agency,
        role,
        active,
    };
    for u in motcua_app::accounts::list_accounts(app, None, filter).await? {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            u.username,
            u.role.as_str(),
            u.agency_code.as_deref().unwrap_or("-"),
            if u.active { "active" } else { "disabled" },
            u.display_name
        );
    }
    Ok(())
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
