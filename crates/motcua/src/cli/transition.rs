//! `motcua transition …`: moving what belongs to abolished units to their successors.

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use motcua::DataLocation;
use motcua_domain::audit::AuditEntry;
use motcua_domain::transition::{Assignment, PlanRules};
use motcua_store::Store;

#[derive(Args, Clone)]
pub struct TransitionArgs {
    /// The day the new units take effect (YYYY-MM-DD).
    #[arg(long)]
    effective: NaiveDate,
    /// Decide by hand: OLD=NEW, each an old/new unit code or an agency identifier. Repeatable.
    #[arg(long = "assign", value_name = "OLD=NEW")]
    assign: Vec<Assignment>,
    /// Items with an applicant's address (dossiers) of a split unit follow the new unit it names.
    #[arg(long)]
    by_address: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum TransitionCommand {
    /// List what moves where, and what cannot be decided automatically.
    Plan(TransitionArgs),
    /// Carry the plan out in one transaction (idempotent; one audit event per moved item).
    Apply(TransitionArgs),
}

pub async fn run(command: TransitionCommand, location: &DataLocation) -> anyhow::Result<()> {
    super::with_store(location, async |store| run_transition(store, command).await).await
}

async fn run_transition(store: &Store, command: TransitionCommand) -> anyhow::Result<()> {
    let (args, apply) = match command {
        TransitionCommand::Plan(args) => (args, false),
        TransitionCommand::Apply(args) => (args, true),
    };
    let rules = PlanRules {
        assignments: args.assign.clone(),
        by_address: args.by_address,
    };
    if !apply {
        let plan = motcua_app::transition::make_plan(store, args.effective, &rules).await?;
        if args.json {
            let doc = serde_json::json!({
                "plan": plan,
                "undecided": plan.undecided(),
                "counts": plan.counts_by_kind(),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            print!("{}", motcua_app::transition::describe_plan(&plan));
        }
        return Ok(());
    }
    let actor = AuditEntry::system(
        motcua_app::now(),
        "transition.applied",
        format!("transition:{}", args.effective),
        serde_json::json!({}),
    );
    let (plan, report) =
        motcua_app::transition::apply(store, args.effective, &rules, &actor).await?;
    if args.json {
        let doc = serde_json::json!({
            "plan": plan,
            "undecided": plan.undecided(),
            "counts": plan.counts_by_kind(),
            "report": report,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", motcua_app::transition::describe_plan(&plan));
        println!("\n{}", motcua_app::transition::describe_report(&report));
    }
    Ok(())
}
