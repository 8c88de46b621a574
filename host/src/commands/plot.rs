//! Small self-contained SVG charts: for sweeps, Gops (bars, left axis) and Fmax (line, right
//! axis) against lane count (log2 spacing); for `atomik bench`, a rate (bars) against a
//! parameter with its ceiling (dashed line). No plotting dependency: a chart is a few dozen
//! SVG elements.

use std::fmt::Write as _;

/// One x position of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotPoint {
    pub lanes: u32,
    /// `None` for a configuration that failed (drawn as a gap with a cross).
    pub gops: Option<f64>,
    pub fmax_mhz: Option<f64>,
}

fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|m| *m >= v)
        .unwrap_or(10.0 * p)
}

/// The SVG document.
pub fn sweep_svg(title: &str, points: &[PlotPoint]) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 420.0, 70.0, 70.0, 50.0, 60.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let gmax = nice_max(points.iter().filter_map(|p| p.gops).fold(0.0, f64::max));
    let fmax = nice_max(points.iter().filter_map(|p| p.fmax_mhz).fold(0.0, f64::max));
    let n = points.len().max(1) as f64;
    let slot = plot_w / n;
    let x = |i: usize| left + slot * (i as f64 + 0.5);
    let yg = |g: f64| top + plot_h * (1.0 - g / gmax);
    let yf = |f: f64| top + plot_h * (1.0 - f / fmax);
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" \
         fill=\"white\"/>\n<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        w / 2.0,
        escape(title)
    );
    for k in 0..=4 {
        let frac = k as f64 / 4.0;
        let y = top + plot_h * (1.0 - frac);
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1f5fa8\">{}</text>\n\
             <text x=\"{}\" y=\"{}\" fill=\"#c0392b\">{}</text>",
            w - right,
            left - 6.0,
            y + 4.0,
            trim(gmax * frac),
            w - right + 6.0,
            y + 4.0,
            trim(fmax * frac)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"18\" y=\"{}\" transform=\"rotate(-90 18 {})\" text-anchor=\"middle\" \
         fill=\"#1f5fa8\">Gops (bars)</text>\n<text x=\"{}\" y=\"{}\" transform=\"rotate(90 {} {})\" \
         text-anchor=\"middle\" fill=\"#c0392b\">Fmax MHz (line)</text>\n<text x=\"{}\" y=\"{}\" \
         text-anchor=\"middle\">lanes</text>",
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        w - 18.0,
        top + plot_h / 2.0,
        w - 18.0,
        top + plot_h / 2.0,
        left + plot_w / 2.0,
        h - 14.0
    );
    let mut line = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let cx = x(i);
        let _ = writeln!(
            s,
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            top + plot_h + 18.0,
            p.lanes
        );
        match p.gops {
            Some(g) => {
                let y = yg(g);
                let _ = writeln!(
                    s,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"#1f5fa8\" \
                     opacity=\"0.75\"/>\n<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" \
                     font-size=\"11\">{:.2}</text>",
                    cx - slot * 0.3,
                    slot * 0.6,
                    top + plot_h - y,
                    y - 4.0,
                    g
                );
            }
            None => {
                let y = top + plot_h - 10.0;
                let _ = writeln!(
                    s,
                    "<text x=\"{cx}\" y=\"{y}\" text-anchor=\"middle\" fill=\"#888\">failed</text>"
                );
            }
        }
        if let Some(f) = p.fmax_mhz {
            line.push(format!("{cx:.1},{:.1}", yf(f)));
            let _ = writeln!(
                s,
                "<circle cx=\"{cx}\" cy=\"{}\" r=\"4\" fill=\"#c0392b\"/>",
                yf(f)
            );
        }
    }
    if line.len() > 1 {
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>",
            line.join(" ")
        );
    }
    s.push_str("</svg>\n");
    s
}

/// One bar of [`rate_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct RatePoint {
    /// The x label (e.g. a batch size).
    pub x: u32,
    pub rate: f64,
}

/// Bars of `rate` per x, each labelled with its share of `ceiling`, and the ceiling as a
/// dashed line (the y axis reaches at least the ceiling).
pub fn rate_svg(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[RatePoint],
    ceiling: f64,
) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 420.0, 80.0, 30.0, 50.0, 60.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let ymax = nice_max(points.iter().map(|p| p.rate).fold(ceiling, f64::max));
    let slot = plot_w / points.len().max(1) as f64;
    let y = |v: f64| top + plot_h * (1.0 - v / ymax);
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" \
         fill=\"white\"/>\n<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        w / 2.0,
        escape(title)
    );
    for k in 0..=4 {
        let v = ymax * k as f64 / 4.0;
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yv}\" y2=\"{yv}\" stroke=\"#ddd\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            w - right,
            left - 6.0,
            y(v) + 4.0,
            trim(v),
            yv = y(v)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"18\" y=\"{mid}\" transform=\"rotate(-90 18 {mid})\" \
         text-anchor=\"middle\">{}</text>\n<text x=\"{}\" y=\"{}\" \
         text-anchor=\"middle\">{}</text>",
        escape(y_label),
        left + plot_w / 2.0,
        h - 14.0,
        escape(x_label),
        mid = top + plot_h / 2.0
    );
    for (i, p) in points.iter().enumerate() {
        let cx = left + slot * (i as f64 + 0.5);
        let _ = writeln!(
            s,
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#1f5fa8\" \
             opacity=\"0.75\"/>\n<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" \
             font-size=\"11\">{:.1} %</text>",
            top + plot_h + 18.0,
            p.x,
            cx - slot * 0.3,
            y(p.rate),
            slot * 0.6,
            top + plot_h - y(p.rate),
            y(p.rate) - 4.0,
            100.0 * p.rate / ceiling
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{yc}\" y2=\"{yc}\" stroke=\"#c0392b\" \
         stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n<text x=\"{}\" y=\"{}\" \
         text-anchor=\"end\" fill=\"#c0392b\">ceiling {}</text>",
        w - right,
        w - right,
        y(ceiling) - 6.0,
        trim(ceiling),
        yc = y(ceiling)
    );
    s.push_str("</svg>\n");
    s
}

fn trim(v: f64) -> String {
    let t = format!("{v:.1}");
    t.strip_suffix(".0").map(str::to_string).unwrap_or(t)
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_has_a_bar_per_result_and_a_line_through_fmax() {
        let svg = sweep_svg(
            "a <test>",
            &[
                PlotPoint {
                    lanes: 1,
                    gops: Some(0.2),
                    fmax_mhz: Some(200.0),
                },
                PlotPoint {
                    lanes: 16,
                    gops: Some(2.4),
                    fmax_mhz: Some(150.0),
                },
                PlotPoint {
                    lanes: 64,
                    gops: None,
                    fmax_mhz: None,
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("opacity=\"0.75\"").count(), 2);
        assert!(svg.contains("failed") && svg.contains("<polyline"));
        assert!(svg.contains("a &lt;test&gt;"));
        assert!(svg.contains(">2.40<"));
    }

    #[test]
    fn rate_chart_has_a_bar_per_point_its_share_and_the_ceiling() {
        let points = [
            RatePoint { x: 1, rate: 10.0 },
            RatePoint { x: 64, rate: 36.0 },
        ];
        let svg = rate_svg("link", "batch", "deltas/s", &points, 40.0);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("opacity=\"0.75\"").count(), 2);
        assert!(
            svg.contains(">25.0 %<") && svg.contains(">90.0 %<"),
            "{svg}"
        );
        assert!(svg.contains("ceiling 40") && svg.contains("stroke-dasharray"));
    }
}
