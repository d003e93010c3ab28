//! `ClipAction`: the wrapped environment sees the clipped action.

use policy_landscape::Error;
use policy_landscape::env::{ClipAction, Env, LinearQuadratic};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;

fn pair() -> (
    ClipAction<LinearQuadratic<f64>, f64, 1>,
    LinearQuadratic<f64>,
) {
    let system = LinearQuadratic::new(0.9, 0.5, 50).unwrap();
    let mut clipped = ClipAction::new(system.clone(), [-0.25], [0.5]).unwrap();
    let mut plain = system;
    clipped.reset(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    plain.reset(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    (clipped, plain)
}

#[test]
fn actions_outside_the_box_act_as_the_bound_inside_pass_through() {
    let (mut clipped, mut plain) = pair();
    for (given, seen) in [
        (3.0, 0.5),
        (-7.0, -0.25),
        (0.125, 0.125),
        (f64::INFINITY, 0.5),
        (f64::NEG_INFINITY, -0.25),
        (0.5, 0.5),
        (-0.25, -0.25),
    ] {
        assert_eq!(
            clipped.step(&[given]).unwrap(),
            plain.step(&[seen]).unwrap()
        );
    }
}

#[test]
fn bad_input_is_an_error_and_changes_nothing() {
    let (mut clipped, mut plain) = pair();
    assert_eq!(
        clipped.step(&[f64::NAN]),
        Err(Error::NonFinite {
            what: "action",
            index: 0
        })
    );
    // Nothing moved: the next steps agree.
    assert_eq!(clipped.step(&[0.1]).unwrap(), plain.step(&[0.1]).unwrap());
    let system = LinearQuadratic::new(0.9, 0.5, 50).unwrap();
    assert!(matches!(
        ClipAction::new(system.clone(), [1.0], [0.0]),
        Err(Error::InvalidParameter {
            what: "action bounds",
            ..
        })
    ));
    assert!(matches!(
        ClipAction::new(system, [f64::NAN], [0.0]),
        Err(Error::NonFinite { what: "low", .. })
    ));
}
