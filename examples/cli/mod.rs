//! The command line shared by the examples (one parser, `lexopt`): every
//! flag is `--name VALUE` or `--name=VALUE`; `--help` (or `-h`) lists every
//! flag with its default and exits with status 0; an unknown flag, a missing
//! value or a value that does not parse is an error with exit status 2.
//!
//! ```text
//! let mut o = Options { seeds: 100 };
//! let mut cli = Cli::new("gridworld", "what it does")
//!     .flag("seeds", "N", o.seeds, "number of random inits");
//! while let Some(flag) = cli.next() {
//!     match flag.as_str() {
//!         "seeds" => o.seeds = cli.value(),
//!         _ => cli.unhandled(&flag),
//!     }
//! }
//! ```

#![allow(
    dead_code,
    reason = "each example includes this module and uses only some helpers"
)]

use std::fmt::Display;
use std::process::exit;
use std::str::FromStr;

use lexopt::{Arg, Parser, ValueExt};

/// Exit status of a command-line error: 2, the usual status for misuse
/// (as getopt-based tools and clap use).
pub const USAGE_ERROR: i32 = 2;

/// One flag, for `--help` and for recognising it.
struct Flag {
    name: &'static str,
    value: &'static str,
    default: String,
    help: &'static str,
}

/// The flags of one example and the parser over its arguments.
pub struct Cli {
    program: &'static str,
    about: &'static str,
    flags: Vec<Flag>,
    parser: Parser,
    current: String,
}

impl Cli {
    /// A command line for `program`; `about` is the first line of `--help`.
    pub fn new(program: &'static str, about: &'static str) -> Self {
        Self {
            program,
            about,
            flags: Vec::new(),
            parser: Parser::from_env(),
            current: String::new(),
        }
    }

    /// Declares `--name VALUE` with its default (shown by `--help`).
    pub fn flag(
        mut self,
        name: &'static str,
        value: &'static str,
        default: impl Display,
        help: &'static str,
    ) -> Self {
        self.flags.push(Flag {
            name,
            value,
            default: default.to_string(),
            help,
        });
        self
    }

    /// The name (without `--`) of the next declared flag, or `None` at the
    /// end. Prints the help and exits with 0 on `--help`; exits with 2 on
    /// anything that is not a declared flag.
    pub fn next(&mut self) -> Option<String> {
        let arg = match self.parser.next() {
            Ok(arg) => arg?,
            Err(e) => self.fail(&e.to_string()),
        };
        let unknown = match arg {
            Arg::Short('h') | Arg::Long("help") => {
                println!("{}", self.help());
                exit(0);
            }
            Arg::Long(name) => match self.flags.iter().find(|f| f.name == name) {
                Some(f) => {
                    self.current = f.name.to_string();
                    return Some(self.current.clone());
                }
                None => format!("unknown flag --{name}"),
            },
            Arg::Short(c) => format!("unknown flag -{c}"),
            Arg::Value(v) => format!("unexpected argument {v:?}"),
        };
        self.fail(&unknown)
    }

    /// The value of the current flag, parsed as a `T`; exits with 2 when it
    /// is missing or does not parse.
    pub fn value<T>(&mut self) -> T
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self.raw();
        match raw.trim().parse() {
            Ok(v) => v,
            Err(e) => self.fail(&format!(
                "invalid value {raw:?} for --{}: {e}",
                self.current
            )),
        }
    }

    /// The value of the current flag as a comma-separated list of `T`
    /// (at least one); exits with 2 when an item does not parse.
    pub fn list<T>(&mut self) -> Vec<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self.raw();
        let mut items = Vec::new();
        for item in raw.split(',') {
            match item.trim().parse() {
                Ok(v) => items.push(v),
                Err(e) => self.fail(&format!(
                    "invalid item {item:?} in --{} {raw:?}: {e}",
                    self.current
                )),
            }
        }
        items
    }

    /// Exits with 2: a flag declared with [`Cli::flag`] but not handled by
    /// the example's `match` (a bug of the example, reported like misuse).
    pub fn unhandled(&self, flag: &str) -> ! {
        self.fail(&format!("flag --{flag} is declared but not handled"))
    }

    /// Prints `error: message` and a hint, and exits with status 2.
    pub fn fail(&self, message: &str) -> ! {
        eprintln!(
            "error: {message}\n\nrun `{} --help` for the flags and their defaults",
            self.program
        );
        exit(USAGE_ERROR)
    }

    fn raw(&mut self) -> String {
        match self.parser.value() {
            Ok(v) => match v.string() {
                Ok(s) => s,
                Err(e) => self.fail(&e.to_string()),
            },
            Err(e) => self.fail(&e.to_string()),
        }
    }

    /// The text of `--help`.
    pub fn help(&self) -> String {
        let mut text = format!(
            "{}\n\nusage: {} [FLAGS]\n\nflags (--name VALUE or --name=VALUE):\n",
            self.about, self.program
        );
        let width = self
            .flags
            .iter()
            .map(|f| f.name.len() + f.value.len() + 3)
            .max()
            .unwrap_or(0);
        for f in &self.flags {
            let head = format!("--{} {}", f.name, f.value);
            text += &format!("  {head:<width$}  {} [default: {}]\n", f.help, f.default);
        }
        text += &format!("  {:<width$}  print this help and exit", "-h, --help");
        text
    }
}

/// `[a, b, c]` as `a,b,c`, the way a list flag takes it.
pub fn join<T: Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The number of threads the examples use by default: every core.
pub fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
