//! The one command at the tiny scale, into a temporary folder: every figure
//! is written, non-empty and of its intended size; the report names every
//! figure and its numbers are read from the results files (change a file,
//! redraw, and the report changes with it); results do not depend on the
//! thread count.

use std::path::{Path, PathBuf};

use policy_landscape_figures::draw::What;
use policy_landscape_figures::plot::missing_glyphs;
use policy_landscape_figures::run::{self, Quiet, Results, Scale, Settings};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "policy-landscape-figures-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn the_command_writes_every_figure_and_a_report_read_from_the_results() {
    let root = temp("tiny");
    let written = run::reproduce(&Settings::new(Scale::Tiny, 2), &root, &Quiet).unwrap();
    // Every figure of the issue: Fig. 1-2, S1-S2, 3, 4a, 4b, S5 (heat map and
    // curves), the spectra, three slice images, and Fig. 5, 6, 7a, 7b on Pendulum and on MountainCar: 19 images.
    assert_eq!(
        written.figures.len(),
        19,
        "{:?}",
        written.figures.iter().map(|f| &f.file).collect::<Vec<_>>()
    );
    let report = std::fs::read_to_string(&written.report).unwrap();
    for f in &written.figures {
        let path = root.join(&f.file);
        let len = std::fs::metadata(&path).unwrap().len();
        // A blank image of these sizes compresses to a few KB.
        assert!(len > 20_000, "{}: only {len} bytes", f.file);
        assert_eq!(png_size(&path), f.size, "{}", f.file);
        assert!(
            report.contains(&format!("]({})", f.file)),
            "the report misses {}",
            f.file
        );
        assert!(!f.caption.is_empty());
        // Every text drawn has its glyphs in the embedded font.
        let text = match &f.what {
            What::Panels { panels, .. } => serde_json::to_string(panels).unwrap(),
            What::Worlds(worlds) => serde_json::to_string(worlds).unwrap(),
        };
        assert_eq!(missing_glyphs(&text), Vec::<char>::new(), "{}", f.file);
    }
    // The report's numbers are the results files'.
    let mut results = Results::read(&root).unwrap();
    let first = results.sweep.cells[0].clone();
    assert!(report.contains(&format!(
        "{} of {} runs sub-optimal",
        first.sub_optimal, first.runs
    )));
    results.sweep.cells[0].sub_optimal = 7;
    results.sweep.cells[0].runs = 1234;
    results.sweep.cells[0].fraction = 7.0 / 1234.0;
    let p = results.continuous[0].probes[0].clone();
    results.continuous[0].probes[0].negative = 4321;
    results.write(&root).unwrap();
    let heat = std::fs::read(root.join("docs/figures/figS5-sweep.png")).unwrap();
    let redrawn = run::draw_and_report(&root).unwrap();
    let report = std::fs::read_to_string(&redrawn.report).unwrap();
    assert!(report.contains("7 of 1234 runs sub-optimal"));
    assert!(report.contains(&format!("4321 of {}", p.directions)));
    assert_ne!(
        heat,
        std::fs::read(root.join("docs/figures/figS5-sweep.png")).unwrap()
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut settings = Settings::new(Scale::Tiny, 1);
    let one = run::run(&settings, &Quiet).unwrap();
    settings.gridworld.threads = 3;
    let three = run::run(&settings, &Quiet).unwrap();
    let (a, b) = (temp("one"), temp("three"));
    one.write(&a).unwrap();
    three.write(&b).unwrap();
    for file in [
        "toy.json",
        "gridworld-sweep.json",
        "gridworld-landscape.json",
        "continuous-pendulum.json",
        "continuous-mountain_car.json",
    ] {
        let x = std::fs::read(a.join("results").join(file)).unwrap();
        let y = std::fs::read(b.join("results").join(file)).unwrap();
        assert!(x == y, "{file} differs between 1 and 3 threads");
    }
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}
