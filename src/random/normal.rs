//! Standard normal samples by the ziggurat method, in `f32` or `f64`.

use rand_core::Rng;

use crate::real::{PerScalar, Real, ScalarMut};

/// Ziggurat layer edges `x[i]` for the standard normal with 256 layers
/// (Marsaglia & Tsang 2000; Doornik 2005): `x[1] = r = 3.654152885361009`,
/// each layer of area `v = 0.00492867323399` under `f(x) = exp(−x²/2)`,
/// `x[0] = v / f(r)` (the base layer with the tail), `x[256] = 0`; as `f64`
/// bit patterns, computed with 120-bit arithmetic (mpmath).
const ZIGGURAT_X: [u64; 257] = [
    0x400f493b7816449c,
    0x400d3bb48209ad33,
    0x400b981f3878f995,
    0x400a8fdc7894718c,
    0x4009cbee014050df,
    0x40092ee0946f3d1a,
    0x4008ab0fbfaa7412,
    0x400839030529e9c6,
    0x4007d42df4d6c5c3,
    0x400779955608fd5c,
    0x40072728f05f70d7,
    0x4006db6b8d09d896,
    0x40069540be9fdbed,
    0x400653ce7b0060e0,
    0x40061669cf861410,
    0x4005dc8a243ac693,
    0x4005a5c08b718342,
    0x400571b1a94ad95a,
    0x40054011523a7359,
    0x4005109f53e9a131,
    0x4004e3250dcd7dcc,
    0x4004b7739d6b4ecd,
    0x40048d62759c383e,
    0x400464ce44a72e74,
    0x40043d98155452d1,
    0x400417a49cb9d9f7,
    0x4003f2dbaa60e871,
    0x4003cf27b316f883,
    0x4003ac7570ae7cb8,
    0x40038ab3925634aa,
    0x400369d27a339bc2,
    0x400349c405ae0607,
    0x40032a7b5e6897ea,
    0x40030becd256a218,
    0x4002ee0db1a96c03,
    0x4002d0d43196ce89,
    0x4002b4375329fd28,
    0x4002982ecd770132,
    0x40027cb2faa84bcc,
    0x400261bcc7764b64,
    0x40024745a4ac8e8d,
    0x40022d477a6fc63d,
    0x400213bc9d04beb5,
    0x4001fa9fc2e2cb1a,
    0x4001e1ebfbe4a038,
    0x4001c99ca9719879,
    0x4001b1ad777f215a,
    0x40019a1a564edd5d,
    0x400182df74d203f9,
    0x40016bf93b9de071,
    0x4001556448601fa0,
    0x40013f1d69c3fab8,
    0x400129219bbb4e67,
    0x4001136e04206159,
    0x4000fdffefa690b4,
    0x4000e8d4cf115677,
    0x4000d3ea34aa2dfb,
    0x4000bf3dd1eec4f9,
    0x4000aacd7571b15c,
    0x4000969708e892d2,
    0x400082988f631e7b,
    0x40006ed023a716b3,
    0x40005b3bf6ada3af,
    0x400047da4e3ee5de,
    0x400034a983a8f2a9,
    0x400021a8028fb92b,
    0x40000ed447d3903f,
    0x3ffff859c118d56c,
    0x3fffd360d22fc6b3,
    0x3fffaebb187101b9,
    0x3fff8a6604897648,
    0x3fff665f20c8dffa,
    0x3fff42a40fb72bcc,
    0x3fff1f328ac2314b,
    0x3ffefc086101ca9f,
    0x3ffed923761084fb,
    0x3ffeb681c0f74c95,
    0x3ffe94214b2a9c61,
    0x3ffe72002f97db46,
    0x3ffe501c99c1ae74,
    0x3ffe2e74c4ea23ac,
    0x3ffe0d06fb49ae9c,
    0x3ffdebd195520a81,
    0x3ffdcad2f8fc2523,
    0x3ffdaa0999204a4f,
    0x3ffd8973f4d7d74e,
    0x3ffd691096e7cc96,
    0x3ffd48de1533a183,
    0x3ffd28db1037ca25,
    0x3ffd0906328b6a3b,
    0x3ffce95e3068bacc,
    0x3ffcc9e1c73bb0ec,
    0x3ffcaa8fbd367ccf,
    0x3ffc8b66e0eb8002,
    0x3ffc6c6608ec60b7,
    0x3ffc4d8c136de695,
    0x3ffc2ed7e5f0536b,
    0x3ffc10486cebefa3,
    0x3ffbf1dc9b81874b,
    0x3ffbd3936b2e9930,
    0x3ffbb56bdb84fdc0,
    0x3ffb9764f1e5cf53,
    0x3ffb797db93f6102,
    0x3ffb5bb541ce14a1,
    0x3ffb3e0aa0dfe361,
    0x3ffb207cf09a6f7e,
    0x3ffb030b4fc377ff,
    0x3ffae5b4e18b89dd,
    0x3ffac878cd5acc36,
    0x3ffaab563e9fc731,
    0x3ffa8e4c64a00726,
    0x3ffa715a724a7f4d,
    0x3ffa547f9e0b90f0,
    0x3ffa37bb21a29d82,
    0x3ffa1b0c39f90b77,
    0x3ff9fe7226faa6ec,
    0x3ff9e1ec2b6f486f,
    0x3ff9c5798cd5ad45,
    0x3ff9a919933f6d93,
    0x3ff98ccb892dfdc0,
    0x3ff9708ebb70a937,
    0x3ff954627903758d,
    0x3ff9384612eeddb8,
    0x3ff91c38dc2855bb,
    0x3ff9003a297387bb,
    0x3ff8e44951443c09,
    0x3ff8c865aba0de34,
    0x3ff8ac8e92059191,
    0x3ff890c35f47c82f,
    0x3ff875036f7a4f7b,
    0x3ff8594e1fd1c625,
    0x3ff83da2ce896f2f,
    0x3ff82200dac85642,
    0x3ff80667a486b99b,
    0x3ff7ead68c73ae13,
    0x3ff7cf4cf3daf1d6,
    0x3ff7b3ca3c8ae292,
    0x3ff7984dc8ba8bc9,
    0x3ff77cd6faefc22b,
    0x3ff7616535e540ac,
    0x3ff745f7dc70bc12,
    0x3ff72a8e5168e1a6,
    0x3ff70f27f78b3573,
    0x3ff6f3c43161c483,
    0x3ff6d86261289f27,
    0x3ff6bd01e8b30f34,
    0x3ff6a1a229507dce,
    0x3ff6864283b0fbf5,
    0x3ff66ae257c960d1,
    0x3ff64f8104b6f00a,
    0x3ff6341de8a27a3f,
    0x3ff618b860a2e8fd,
    0x3ff5fd4fc89f270d,
    0x3ff5e1e37b2f5543,
    0x3ff5c672d17d3b46,
    0x3ff5aafd2323e2f8,
    0x3ff58f81c60e4c49,
    0x3ff574000e552641,
    0x3ff558774e1b7923,
    0x3ff53ce6d56a2c3c,
    0x3ff5214df20a50d7,
    0x3ff505abef5e1a6b,
    0x3ff4ea0016386a9a,
    0x3ff4ce49acb2d5fb,
    0x3ff4b287f6020504,
    0x3ff496ba3248525c,
    0x3ff47adf9e6685e7,
    0x3ff45ef773ca8990,
    0x3ff44300e83bf257,
    0x3ff426fb2da6358e,
    0x3ff40ae571e05f20,
    0x3ff3eebede721aa8,
    0x3ff3d2869855dd7d,
    0x3ff3b63bbfb7fc13,
    0x3ff399dd6fb270e6,
    0x3ff37d6abe05165a,
    0x3ff360e2baca1031,
    0x3ff3444470261b66,
    0x3ff3278ee1f4755c,
    0x3ff30ac10d6e0466,
    0x3ff2edd9e8cb647c,
    0x3ff2d0d862e1729e,
    0x3ff2b3bb62b7e87d,
    0x3ff29681c7199014,
    0x3ff2792a661d8bca,
    0x3ff25bb40ca92395,
    0x3ff23e1d7de97a03,
    0x3ff2206572c47d13,
    0x3ff2028a9940560c,
    0x3ff1e48b93e088d8,
    0x3ff1c666f8f7deaf,
    0x3ff1a81b51ee209f,
    0x3ff189a71a788c7a,
    0x3ff16b08bfc3d18e,
    0x3ff14c3e9f8e41d5,
    0x3ff12d470730bf72,
    0x3ff10e203294c4ba,
    0x3ff0eec84b15b64b,
    0x3ff0cf3d664b796b,
    0x3ff0af7d84bc0d04,
    0x3ff08f8690719efb,
    0x3ff06f565b7249f7,
    0x3ff04eea9e164ed2,
    0x3ff02e40f5393757,
    0x3ff00d56e041db86,
    0x3fefd8537df9798b,
    0x3fef956d9e872025,
    0x3fef51f654d83c82,
    0x3fef0de784efa58e,
    0x3feec93abdf8c38e,
    0x3fee83e93379ad00,
    0x3fee3debb5d22925,
    0x3fedf73aa9f0ae86,
    0x3fedafce0022ede7,
    0x3fed679d29e35105,
    0x3fed1e9f0e7fe5ee,
    0x3fecd4c9fe7151c2,
    0x3fec8a13a5316303,
    0x3fec3e70f95872d9,
    0x3febf1d62abea234,
    0x3feba4368e51bb28,
    0x3feb5584874191d3,
    0x3feb05b16d127fce,
    0x3feab4ad6e0f24b2,
    0x3fea62676d76d6ee,
    0x3fea0eccdca3ab90,
    0x3fe9b9c98e37c433,
    0x3fe96347822b180f,
    0x3fe90b2ea94dc29f,
    0x3fe8b1649e7a6323,
    0x3fe855cc5341f01a,
    0x3fe7f845ad45d38c,
    0x3fe798ad10b200e6,
    0x3fe736dad345c6aa,
    0x3fe6d2a291feca67,
    0x3fe66bd261a23772,
    0x3fe60231cfd82f8e,
    0x3fe59580a70673bc,
    0x3fe5257562196c0f,
    0x3fe4b1bb363c897f,
    0x3fe439ef8dfe16fc,
    0x3fe3bd9ec1a11bf7,
    0x3fe33c3fc055e9dd,
    0x3fe2b52e38621b20,
    0x3fe227a28f78455b,
    0x3fe192a6973f44f9,
    0x3fe0f5053b004b3e,
    0x3fe04d32278c831c,
    0x3fdf32482d480781,
    0x3fddac2f5a6f30f7,
    0x3fdc004d2f328d65,
    0x3fda230c2e46386b,
    0x3fd801fce827fa88,
    0x3fd57cb9383ae505,
    0x3fd250af3c200a08,
    0x3fcb8d0be3d697e9,
    0x0000000000000000,
];

/// [`ZIGGURAT_X`] rounded to `f32`, for the `f32` sampler: it keeps `f64`
/// arithmetic (software floating point on a Cortex-M4F) and the 2 KB `f64`
/// table out of `f32` builds.
#[allow(
    clippy::indexing_slicing,
    reason = "const evaluation: i < 257 is both tables' length, checked at compile time"
)]
const ZIGGURAT_X_F32: [f32; 257] = {
    let mut t = [0.0_f32; 257];
    let mut i = 0;
    while i < 257 {
        t[i] = f64::from_bits(ZIGGURAT_X[i]) as f32;
        i += 1;
    }
    t
};

/// A scalar itself, as a [`PerScalar`] family.
struct Itself;

impl PerScalar for Itself {
    type Of<T> = T;
}

/// Edge `x[i]` of the ziggurat's layers in `T`'s own table.
#[inline(always)]
#[allow(
    clippy::indexing_slicing,
    reason = "callers pass i <= 256 (8 bits, plus one): both tables have 257 entries"
)]
fn ziggurat_x<T: Real>(i: usize) -> T {
    let mut x = T::ZERO;
    match T::per_scalar::<Itself>(&mut x) {
        ScalarMut::F32(x) => *x = ZIGGURAT_X_F32[i],
        ScalarMut::F64(x) => *x = f64::from_bits(ZIGGURAT_X[i]),
    }
    x
}

/// A standard normal sample by the ziggurat method (Marsaglia & Tsang 2000,
/// with Doornik's independent layer bits): one `u64` per sample in ~99 % of
/// cases, no logarithm or square root on that path, the tail beyond
/// `r = x[1]` by Marsaglia's exact method.
///
/// Computed in `T` with the layer table rounded to `T`, so an `f32` build
/// (a microcontroller's) needs no `f64` arithmetic. The same generator state
/// gives different `f32` and `f64` samples: the uniform in each layer has
/// `T`'s precision (24 or 53 bits of the same word).
#[inline]
pub fn standard_normal<T: Real, R: Rng + ?Sized>(rng: &mut R) -> T {
    loop {
        let bits = rng.next_u64();
        // The low 8 bits pick the layer; the top 24 or 53 give u in [-1, 1).
        let i = (bits & 0xff) as usize;
        let u = T::TWO * T::unit_from_u64(bits) - T::ONE;
        let xi = ziggurat_x::<T>(i);
        let x = u * xi;
        // Inside the layer's inner rectangle: accept at once.
        #[allow(clippy::arithmetic_side_effects, reason = "i < 256")]
        let x1 = ziggurat_x::<T>(i + 1);
        if x.abs() < x1 {
            return x;
        }
        if i == 0 {
            // The tail beyond r = x[1] (Marsaglia 1964): exact, rarely
            // reached.
            loop {
                let a = -(T::ONE - T::unit_from_u64(rng.next_u64())).ln() / x1;
                let b = -(T::ONE - T::unit_from_u64(rng.next_u64())).ln();
                if b + b > a * a {
                    return if u < T::ZERO { -(x1 + a) } else { x1 + a };
                }
            }
        }
        // The wedge between the layer's rectangle and the curve.
        let f0 = (-T::HALF * xi * xi).exp();
        let f1 = (-T::HALF * x1 * x1).exp();
        if f0 + T::unit_from_u64(rng.next_u64()) * (f1 - f0) < (-T::HALF * x * x).exp() {
            return x;
        }
    }
}
