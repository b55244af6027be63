//! The demo's pictures, drawn by the project itself: two scenes per area
//! (a sky, hills or a pitch, shapes of the area's subject), 1600×900,
//! processed like an upload (variants, WebP, share image) and stored in
//! the media folder, credited to the agency's art desk. Drawn once per
//! process; every demo article and synthetic article uses one of them.

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use image::{DynamicImage, Rgb, RgbImage};

use crate::db::media::{self as db_media, NewMedia};
use crate::db::DbConn;
use crate::media::{self, ImageType};
use crate::pictures::{self, Processed};

/// The demo pictures' size.
const WIDTH: u32 = 1600;
const HEIGHT: u32 = 900;

/// Who the demo's pictures are credited to.
pub const CREDIT: &str = "Iconocast art desk";

/// One scene: its area, its description (the alt text articles use) and
/// its caption.
struct Scene {
    area: &'static str,
    alt: &'static str,
    caption: &'static str,
    draw: fn(&mut Canvas),
}

const SCENES: [Scene; 12] = [
    Scene {
        area: "health-technology-science",
        alt: "Illustration: a molecule of linked blue and white spheres against a pale laboratory sky",
        caption: "Molecules, drawn by the art desk.",
        draw: molecule,
    },
    Scene {
        area: "health-technology-science",
        alt: "Illustration: a green circuit board with glowing copper tracks and a chip at its centre",
        caption: "Inside the devices we carry.",
        draw: circuit,
    },
    Scene {
        area: "books-arts",
        alt: "Illustration: a shelf of books with coloured spines under a warm lamp",
        caption: "A shelf of new writing.",
        draw: bookshelf,
    },
    Scene {
        area: "books-arts",
        alt: "Illustration: framed abstract paintings hung on a gallery wall",
        caption: "The gallery wall.",
        draw: gallery,
    },
    Scene {
        area: "entertainment-tv",
        alt: "Illustration: a television showing colour bars in a dark room lit by its glow",
        caption: "What to watch tonight.",
        draw: television,
    },
    Scene {
        area: "entertainment-tv",
        alt: "Illustration: three spotlights crossing over an empty stage with red curtains",
        caption: "The stage before the show.",
        draw: stage,
    },
    Scene {
        area: "sport",
        alt: "Illustration: a football pitch seen from above, green stripes and white lines",
        caption: "The pitch, from the stands.",
        draw: pitch,
    },
    Scene {
        area: "sport",
        alt: "Illustration: the curved lanes of a red running track with white lane lines",
        caption: "Lanes of a running track.",
        draw: track,
    },
    Scene {
        area: "travel",
        alt: "Illustration: a night train crossing a valley under snowy mountains at dusk",
        caption: "A sleeper through the mountains.",
        draw: mountains,
    },
    Scene {
        area: "travel",
        alt: "Illustration: a sailing boat on a calm sea under a low evening sun",
        caption: "A slow crossing.",
        draw: sea,
    },
    Scene {
        area: "blog",
        alt: "Illustration: a newsroom desk with an open notebook, a pencil and a cup",
        caption: "The newsroom's desk.",
        draw: desk,
    },
    Scene {
        area: "blog",
        alt: "Illustration: overlapping sheets of paper with lines of text and a red correction mark",
        caption: "Drafts, checked twice.",
        draw: papers,
    },
];

/// A demo picture in the library: its media id and its alt text.
#[derive(Debug, Clone)]
pub struct Hero {
    pub area: &'static str,
    pub media_id: i32,
    pub alt: &'static str,
}

/// One scene drawn and made into its files.
fn draw(scene: &Scene) -> Processed {
    let mut canvas = Canvas::new();
    (scene.draw)(&mut canvas);
    let stem = media::content_stem(canvas.image.as_raw());
    pictures::make(&stem, DynamicImage::ImageRgb8(canvas.image), (50, 50))
}

/// The pictures drawn and processed, once per process, on as many
/// threads as there are cores.
fn processed() -> &'static [Processed] {
    static MADE: OnceLock<Vec<Processed>> = OnceLock::new();
    MADE.get_or_init(|| {
        let threads = pictures::at_once().clamp(1, SCENES.len());
        let per_thread = SCENES.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let running: Vec<_> = SCENES
                .chunks(per_thread)
                .map(|chunk| scope.spawn(move || chunk.iter().map(draw).collect::<Vec<_>>()))
                .collect();
            running
                .into_iter()
                .flat_map(|thread| match thread.join() {
                    Ok(made) => made,
                    // Drawing is our own code on our own numbers: a panic
                    // is a bug, shown as such.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    })
}

/// Makes sure the demo pictures are in the media folder `dir` and in the
/// library, and returns them. Files already there are not written again.
pub fn store(conn: &mut DbConn, dir: &Path, now: NaiveDateTime) -> anyhow::Result<Vec<Hero>> {
    let mut heroes = Vec::with_capacity(SCENES.len());
    for (scene, made) in SCENES.iter().zip(processed()) {
        for (name, bytes) in &made.files {
            if !media::exists(dir, name) {
                media::store_file(dir, name, bytes, false)?;
            }
        }
        let media_id = match db_media::find_by_name(conn, &made.file_name)? {
            Some(found) => found.id,
            None => {
                let image = ImageType {
                    kind: made.kind,
                    width: made.width,
                    height: made.height,
                };
                let variants = made.variants();
                db_media::insert(
                    conn,
                    &NewMedia {
                        file_name: &made.file_name,
                        content_type: image.content_type(),
                        byte_size: i64::try_from(made.original_size()).unwrap_or(i64::MAX),
                        width: i32::try_from(made.width).unwrap_or(i32::MAX),
                        height: i32::try_from(made.height).unwrap_or(i32::MAX),
                        uploaded_by: None,
                        created_at: now,
                        variants: &variants,
                        focal_x: 50,
                        focal_y: 50,
                        caption: scene.caption,
                        credit: CREDIT,
                        own_work: true,
                    },
                )?
            }
        };
        heroes.push(Hero {
            area: scene.area,
            media_id,
            alt: scene.alt,
        });
    }
    Ok(heroes)
}

/// The hero of the `n`th article of `area` (by turns), if any.
pub fn hero_for<'a>(heroes: &'a [Hero], area: &str, n: usize) -> Option<&'a Hero> {
    let of_area: Vec<&Hero> = heroes.iter().filter(|h| h.area == area).collect();
    match of_area.len() {
        0 => None,
        len => Some(of_area[n % len]),
    }
}

// ---- Drawing -------------------------------------------------------------

struct Canvas {
    image: RgbImage,
}

type Colour = [u8; 3];

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| -> u8 {
        let v = f32::from(x) + (f32::from(y) - f32::from(x)) * t;
        // Within 0..=255 by construction.
        v.round().clamp(0.0, 255.0) as u8
    };
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            image: RgbImage::new(WIDTH, HEIGHT),
        }
    }

    /// A vertical gradient over the whole picture.
    fn sky(&mut self, top: Colour, bottom: Colour) {
        let h = self.image.height() as f32;
        for (_, y, px) in self.image.enumerate_pixels_mut() {
            *px = Rgb(mix(top, bottom, y as f32 / h));
        }
    }

    /// Fills the rectangle, clipped to the picture, blending `alpha`.
    fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, colour: Colour, alpha: f32) {
        let (iw, ih) = (self.image.width() as i32, self.image.height() as i32);
        for py in y.max(0)..(y + h).min(ih) {
            for px in x.max(0)..(x + w).min(iw) {
                let p = self.image.get_pixel_mut(px as u32, py as u32);
                p.0 = mix(p.0, colour, alpha);
            }
        }
    }

    /// A disc with a soft edge.
    fn disc(&mut self, cx: f32, cy: f32, r: f32, colour: Colour, alpha: f32) {
        let (iw, ih) = (self.image.width() as i32, self.image.height() as i32);
        let (x0, x1) = (((cx - r) as i32 - 1).max(0), ((cx + r) as i32 + 2).min(iw));
        let (y0, y1) = (((cy - r) as i32 - 1).max(0), ((cy + r) as i32 + 2).min(ih));
        for py in y0..y1 {
            for px in x0..x1 {
                let d = ((px as f32 - cx).powi(2) + (py as f32 - cy).powi(2)).sqrt();
                let cover = (r - d + 0.5).clamp(0.0, 1.0);
                if cover > 0.0 {
                    let p = self.image.get_pixel_mut(px as u32, py as u32);
                    p.0 = mix(p.0, colour, cover * alpha);
                }
            }
        }
    }

    /// A thick line between two points.
    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, colour: Colour) {
        let steps = ((to.0 - from.0).hypot(to.1 - from.1) / (width / 3.0).max(1.0)) as i32 + 1;
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            let (x, y) = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.disc(x, y, width / 2.0, colour, 1.0);
        }
    }

    /// Everything below a wavy horizon: `base` (fraction of the height),
    /// `amplitude` in pixels, `waves` across the picture, `phase`.
    fn hills(&mut self, base: f32, amplitude: f32, waves: f32, phase: f32, colour: Colour) {
        let (w, h) = (self.image.width(), self.image.height());
        for x in 0..w {
            let t = x as f32 / w as f32;
            let top = base * h as f32
                + amplitude * (t * waves * std::f32::consts::TAU + phase).sin()
                + amplitude * 0.35 * (t * waves * 2.7 * std::f32::consts::TAU + phase).sin();
            for y in (top.max(0.0) as u32)..h {
                self.image.put_pixel(x, y, Rgb(colour));
            }
        }
    }
}

fn molecule(c: &mut Canvas) {
    c.sky([226, 238, 247], [176, 205, 230]);
    let atoms = [
        (520.0, 420.0, 90.0),
        (800.0, 300.0, 70.0),
        (1050.0, 480.0, 95.0),
        (760.0, 620.0, 60.0),
        (1290.0, 330.0, 55.0),
        (330.0, 250.0, 50.0),
    ];
    for (a, b) in [(0, 1), (1, 2), (2, 3), (3, 0), (2, 4), (0, 5)] {
        let (p, q) = (atoms[a], atoms[b]);
        c.line((p.0, p.1), (q.0, q.1), 18.0, [90, 110, 140]);
    }
    for (i, (x, y, r)) in atoms.into_iter().enumerate() {
        let colour = if i % 2 == 0 {
            [40, 96, 180]
        } else {
            [245, 247, 250]
        };
        c.disc(x, y, r, colour, 1.0);
        c.disc(x - r * 0.3, y - r * 0.3, r * 0.3, [255, 255, 255], 0.45);
    }
}

fn circuit(c: &mut Canvas) {
    c.sky([18, 82, 56], [10, 52, 36]);
    for i in 0..14 {
        let y = 80.0 + i as f32 * 56.0;
        let bend = 500.0 + (i as f32 * 97.0) % 500.0;
        c.line((0.0, y), (bend, y), 8.0, [196, 140, 72]);
        c.line((bend, y), (bend + 120.0, 450.0), 8.0, [196, 140, 72]);
        c.disc(bend, y, 12.0, [230, 190, 110], 1.0);
    }
    c.rect(620, 300, 360, 300, [30, 30, 34], 1.0);
    c.rect(650, 330, 300, 240, [52, 52, 58], 1.0);
    for i in 0..8 {
        c.rect(600, 320 + i * 34, 20, 12, [210, 210, 214], 1.0);
        c.rect(980, 320 + i * 34, 20, 12, [210, 210, 214], 1.0);
    }
    c.disc(800.0, 450.0, 420.0, [120, 255, 190], 0.08);
}

fn bookshelf(c: &mut Canvas) {
    c.sky([74, 48, 36], [40, 26, 20]);
    c.disc(1300.0, 120.0, 260.0, [255, 210, 140], 0.25);
    let colours = [
        [160, 40, 44],
        [34, 78, 120],
        [222, 170, 60],
        [46, 110, 80],
        [120, 60, 130],
        [200, 96, 50],
        [230, 224, 210],
    ];
    for shelf in 0..2 {
        let floor = 420 + shelf * 380;
        c.rect(0, floor, WIDTH as i32, 30, [110, 72, 44], 1.0);
        let mut x = 60;
        let mut i = shelf as usize * 3;
        while x < WIDTH as i32 - 80 {
            let w = 38 + ((i * 37) % 45) as i32;
            let h = 220 + ((i * 53) % 110) as i32;
            c.rect(x, floor - h, w, h, colours[i % colours.len()], 1.0);
            c.rect(x + 6, floor - h + 30, w - 12, 8, [240, 230, 200], 0.7);
            x += w + 6;
            i += 1;
        }
    }
}

fn gallery(c: &mut Canvas) {
    c.sky([236, 232, 224], [214, 208, 198]);
    c.rect(0, 760, WIDTH as i32, 140, [160, 128, 96], 1.0);
    let frames = [
        (160, 220, 380, 300, [200, 70, 60], [40, 60, 120]),
        (640, 160, 320, 420, [240, 200, 60], [30, 30, 30]),
        (1060, 240, 380, 280, [60, 140, 120], [230, 120, 80]),
    ];
    for (x, y, w, h, a, b) in frames {
        c.rect(x - 18, y - 18, w + 36, h + 36, [60, 44, 30], 1.0);
        c.rect(x, y, w, h, [250, 248, 240], 1.0);
        c.disc(
            (x + w / 3) as f32,
            (y + h / 2) as f32,
            (h / 4) as f32,
            a,
            1.0,
        );
        c.rect(x + w / 2, y + h / 5, w / 3, h * 3 / 5, b, 0.9);
    }
}

fn television(c: &mut Canvas) {
    c.sky([20, 18, 30], [8, 8, 14]);
    c.disc(800.0, 430.0, 700.0, [90, 120, 220], 0.12);
    c.rect(380, 160, 840, 520, [24, 24, 28], 1.0);
    let bars = [
        [192, 192, 192],
        [192, 192, 0],
        [0, 192, 192],
        [0, 192, 0],
        [192, 0, 192],
        [192, 0, 0],
        [0, 0, 192],
    ];
    for (i, colour) in bars.iter().enumerate() {
        c.rect(420 + i as i32 * 109, 200, 109, 440, *colour, 1.0);
    }
    c.rect(740, 680, 120, 60, [30, 30, 36], 1.0);
    c.rect(620, 740, 360, 24, [40, 40, 46], 1.0);
}

fn stage(c: &mut Canvas) {
    c.sky([30, 10, 14], [12, 6, 8]);
    for x in (0..WIDTH as i32).step_by(80) {
        c.rect(x, 0, 60, 700, [150, 20, 30], 1.0);
        c.rect(x + 60, 0, 20, 700, [110, 12, 22], 1.0);
    }
    c.rect(0, 700, WIDTH as i32, 200, [70, 46, 30], 1.0);
    for (x, colour) in [
        (400.0, [255, 230, 170]),
        (800.0, [200, 220, 255]),
        (1200.0, [255, 200, 220]),
    ] {
        for step in 0..30 {
            let t = step as f32 / 30.0;
            c.disc(
                x + (800.0 - x) * t * 0.3,
                60.0 + 700.0 * t,
                30.0 + 200.0 * t,
                colour,
                0.03,
            );
        }
        c.disc(800.0 + (x - 800.0) * 0.4, 780.0, 180.0, colour, 0.18);
    }
}

fn pitch(c: &mut Canvas) {
    c.sky([60, 140, 60], [50, 120, 50]);
    for i in (0..WIDTH as i32).step_by(200) {
        c.rect(i, 0, 100, HEIGHT as i32, [70, 156, 70], 1.0);
    }
    let white = [245, 245, 240];
    let (l, t, r, b) = (80.0, 60.0, 1520.0, 840.0);
    for (from, to) in [
        ((l, t), (r, t)),
        ((r, t), (r, b)),
        ((r, b), (l, b)),
        ((l, b), (l, t)),
        ((800.0, t), (800.0, b)),
        ((l, 260.0), (300.0, 260.0)),
        ((300.0, 260.0), (300.0, 640.0)),
        ((300.0, 640.0), (l, 640.0)),
        ((r, 260.0), (1300.0, 260.0)),
        ((1300.0, 260.0), (1300.0, 640.0)),
        ((1300.0, 640.0), (r, 640.0)),
    ] {
        c.line(from, to, 8.0, white);
    }
    for i in 0..120 {
        let a = i as f32 / 120.0 * std::f32::consts::TAU;
        c.disc(
            800.0 + 130.0 * a.cos(),
            450.0 + 130.0 * a.sin(),
            4.0,
            white,
            1.0,
        );
    }
    c.disc(800.0, 450.0, 10.0, white, 1.0);
    c.disc(560.0, 380.0, 16.0, [255, 255, 255], 1.0);
}

fn track(c: &mut Canvas) {
    c.sky([70, 150, 80], [60, 130, 70]);
    let (cx, cy) = (800.0f32, 1500.0f32);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let d = (x as f32 - cx).hypot(y as f32 - cy);
            if (900.0..1420.0).contains(&d) {
                let lane = ((d - 900.0) / 65.0).fract();
                let colour = if lane < 0.06 {
                    [245, 240, 235]
                } else {
                    [190, 72, 52]
                };
                c.image.put_pixel(x, y, Rgb(colour));
            }
        }
    }
}

fn mountains(c: &mut Canvas) {
    c.sky([44, 54, 110], [236, 150, 110]);
    c.disc(1180.0, 420.0, 70.0, [255, 220, 170], 0.9);
    c.hills(0.45, 120.0, 1.6, 0.4, [92, 96, 140]);
    c.hills(0.55, 70.0, 2.3, 2.0, [64, 70, 110]);
    c.hills(0.72, 40.0, 3.1, 1.0, [40, 46, 76]);
    // The train: carriages with lit windows on a line across the valley.
    c.line((0.0, 700.0), (1600.0, 660.0), 6.0, [20, 20, 30]);
    for car in 0..6 {
        let x = 240 + car * 150;
        let y = 620 - car * 4;
        c.rect(x, y, 140, 70, [30, 34, 52], 1.0);
        for w in 0..4 {
            c.rect(x + 14 + w * 32, y + 16, 20, 20, [255, 214, 120], 1.0);
        }
    }
}

fn sea(c: &mut Canvas) {
    c.sky([250, 190, 130], [246, 226, 196]);
    c.disc(420.0, 470.0, 110.0, [255, 160, 90], 0.95);
    c.rect(0, 500, WIDTH as i32, 400, [40, 92, 130], 1.0);
    for i in 0..40 {
        let y = 520 + i * 10;
        let x = (i * 173) % 1500;
        c.rect(x, y, 120, 3, [250, 200, 150], 0.5);
    }
    // The boat.
    c.rect(930, 600, 260, 40, [60, 40, 30], 1.0);
    c.line((1060.0, 600.0), (1060.0, 300.0), 8.0, [60, 40, 30]);
    for row in 0..280 {
        let y = 310 + row;
        let half = row / 3;
        c.rect(1066, y, half, 1, [250, 248, 240], 1.0);
    }
}

fn desk(c: &mut Canvas) {
    c.sky([180, 140, 100], [150, 110, 76]);
    c.rect(300, 180, 560, 560, [250, 250, 244], 1.0);
    c.rect(860, 180, 540, 560, [244, 244, 236], 1.0);
    c.line((860.0, 180.0), (860.0, 740.0), 6.0, [200, 200, 190]);
    for i in 0..12 {
        let y = 240 + i * 40;
        c.rect(350, y, 460 - (i % 3) * 60, 8, [80, 90, 110], 0.8);
        c.rect(910, y, 440 - (i % 4) * 50, 8, [80, 90, 110], 0.8);
    }
    c.line((1200.0, 800.0), (1480.0, 560.0), 22.0, [240, 190, 40]);
    c.line((1200.0, 800.0), (1230.0, 774.0), 10.0, [40, 40, 40]);
    c.disc(190.0, 700.0, 110.0, [250, 250, 250], 1.0);
    c.disc(190.0, 700.0, 85.0, [110, 60, 30], 1.0);
}

fn papers(c: &mut Canvas) {
    c.sky([210, 216, 224], [180, 188, 200]);
    for (i, (x, y)) in [(220, 140), (480, 200), (760, 120), (1040, 220)]
        .into_iter()
        .enumerate()
    {
        c.rect(x + 12, y + 12, 420, 560, [120, 128, 140], 0.35);
        c.rect(x, y, 420, 560, [252, 252, 250], 1.0);
        for line in 0..11 {
            let width = 340 - ((line + i) % 4) as i32 * 40;
            c.rect(
                x + 40,
                y + 60 + line as i32 * 42,
                width,
                9,
                [70, 80, 96],
                0.8,
            );
        }
    }
    c.line((1120.0, 420.0), (1380.0, 420.0), 10.0, [210, 40, 40]);
    c.line((1120.0, 470.0), (1300.0, 470.0), 10.0, [210, 40, 40]);
}
