//! The reproduction in one command: runs the paper's experiments, writes
//! their results (`results/*.json`), draws every figure from those files
//! (`docs/figures/*.png`) and writes `REPRODUCTION.md`.
//!
//! ```text
//! cargo run --release -p policy-landscape-figures                     # a few minutes on 2 cores
//! cargo run --release -p policy-landscape-figures -- --draw-only      # redraw from results/
//! cargo run --release -p policy-landscape-figures -- --scale tiny --out /tmp/repro
//! ```

use std::path::PathBuf;
use std::process::exit;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use lexopt::{Arg, Parser, ValueExt};
use policy_landscape_figures::run::{self, Progress, Scale, Settings};

const HELP: &str = "\
policy-landscape-figures: the paper's figures and REPRODUCTION.md in one command.

Runs the experiments, writes results/*.json, draws docs/figures/*.png from
those files and writes REPRODUCTION.md, all under --out.

Options:
  --scale NAME    standard (default: the paper's §3.1 scale, a few minutes on
                  2 cores) or tiny (seconds; too rough to judge the claims)
  --out DIR       output root (default: the repository's root)
  --threads N     worker threads (default: all cores; results do not depend on it)
  --draw-only     redraw the figures and the report from DIR/results/
  --quiet         no progress bars
  -h, --help      this text
";

fn usage(message: &str) -> ! {
    eprintln!("error: {message}\n\n{HELP}");
    exit(2)
}

struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    quiet: bool,
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64) {
        let mut bar = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = bar.take() {
            b.finish();
        }
        if self.quiet {
            return;
        }
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template("{msg:58} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(name.to_owned());
        *bar = Some(b);
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            b.inc(n);
        }
    }
}

fn main() {
    let mut scale = Scale::Standard;
    // The workspace root (this crate's parent folder).
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = manifest.parent().unwrap_or(manifest).to_path_buf();
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut draw_only, mut quiet) = (false, false);
    let mut parser = Parser::from_env();
    loop {
        let flag = match parser.next() {
            Ok(Some(Arg::Long(name))) => name.to_owned(),
            Ok(Some(Arg::Short(c))) => c.to_string(),
            Ok(Some(other)) => usage(&other.unexpected().to_string()),
            Ok(None) => break,
            Err(e) => usage(&e.to_string()),
        };
        let mut value = || -> String {
            parser
                .value()
                .and_then(|v| v.string())
                .unwrap_or_else(|e| usage(&e.to_string()))
        };
        match flag.as_str() {
            "scale" => {
                let v = value();
                scale = Scale::parse(&v).unwrap_or_else(|| usage(&format!("unknown scale {v:?}")));
            }
            "out" => out = PathBuf::from(value()),
            "threads" => {
                let v = value();
                threads = v
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .unwrap_or_else(|| {
                        usage(&format!("--threads wants a positive number, not {v:?}"))
                    });
            }
            "draw-only" => draw_only = true,
            "quiet" => quiet = true,
            "h" | "help" => {
                print!("{HELP}");
                return;
            }
            other => usage(&format!("unknown flag --{other}")),
        }
    }
    let start = Instant::now();
    let bars = Bars {
        bar: Mutex::new(None),
        quiet,
    };
    let written = if draw_only {
        run::draw_and_report(&out)
    } else {
        run::reproduce(&Settings::new(scale, threads), &out, &bars)
    };
    bars.stage("", 0);
    match written {
        Ok(w) => {
            println!(
                "wrote {} figures under {}, the results in {} and the report {} in {:.1} s",
                w.figures.len(),
                out.join(policy_landscape_figures::draw::DIR).display(),
                w.results.display(),
                w.report.display(),
                start.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit(1);
        }
    }
}
