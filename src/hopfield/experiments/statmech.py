"""Experiments of statistical mechanics: Curie-Weiss, mixtures, the AGS phase diagram (003 §2.2)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hopfield import statmech as sm
from hopfield._table import markdown_table
from hopfield.experiments import Context, register
from hopfield.plotting import subplots

__all__ = [
    "free_energy_compute",
    "free_energy_plot",
    "free_energy_summary",
    "magnetization_compute",
    "magnetization_plot",
    "magnetization_summary",
    "phase_diagram_compute",
    "phase_diagram_plot",
    "phase_diagram_summary",
]

#: Temperatures of the Curie-Weiss free-energy curves; the temperature of the mixtures' table.
FREE_ENERGY_TEMPS = [0.5, 0.8, 1.0, 1.2]
MIXTURE_T = 0.3


def _nan(v: float | None) -> float:
    """JSON's None back to NaN."""
    return float("nan") if v is None else v


# ---------------------------------------------------------------------------------- magnetization
def magnetization_compute(ctx: Context) -> dict[str, Any]:
    """m(T) in the thermodynamic limit, the near-critical law, the exact finite-size E|m|, and the Mattis
    overlap of Glauber chains (d = 2000, one stored pattern, chains started at the pattern)."""
    d = 2000
    if ctx.quick:
        temps = np.array([0.2, 0.4, 0.6, 0.8, 0.9, 1.1, 1.2])
        chains, sweeps, burn = 16, 45, 25
    else:
        temps = np.round(np.arange(0.2, 1.2001, 0.05), 2)
        chains, sweeps, burn = 32, 120, 40
    sim = sm.glauber_magnetization(temps, d, n_chains=chains, n_sweeps=sweeps, burn_in=burn, seed=ctx.seed)
    tdl = sm.curie_weiss_magnetization(temps)
    fin = np.array([sm.curie_weiss_finite_size_magnetization(float(t), d) for t in temps])
    window = np.abs(temps - 1.0) < 0.075  # critical window at d = 2000: finite-size effects > 0.03
    diff_tdl = np.abs(sim.m - tdl)
    diff_fin = np.abs(sim.m_abs - fin)
    outside = ~window
    grid = np.linspace(0.01, 1.5, 400)
    fs_grid = np.linspace(0.05, 1.5, 60)
    return {
        "dim": d,
        "temperatures": temps.tolist(),
        "m_sim": sim.m.tolist(),
        "m_abs_sim": sim.m_abs.tolist(),
        "m_tdl": tdl.tolist(),
        "m_abs_exact": fin.tolist(),
        "max_diff_tdl_outside_window": float(diff_tdl[outside].max()) if outside.any() else float("nan"),
        "max_diff_finite_size": float(diff_fin.max()),
        "critical_temperature": sm.curie_weiss_critical_temperature(1.0),
        "chains": chains,
        "sweeps": sweeps,
        "burn_in": burn,
        "critical_window": window.tolist(),
        "m_sim_stderr": np.asarray(sim.stderr).tolist(),
        "m_abs_exact_at_T1": sm.curie_weiss_finite_size_magnetization(1.0, d),
        "curves": {
            "T": grid.tolist(),
            "m_tdl": sm.curie_weiss_magnetization(grid).tolist(),
            "m_critical_law": sm.curie_weiss_critical_magnetization(1 / grid).tolist(),
            "T_exact": fs_grid.tolist(),
            "m_abs_exact": [sm.curie_weiss_finite_size_magnetization(float(t), d) for t in fs_grid],
        },
    }


def magnetization_plot(data: dict[str, Any]) -> dict[str, Any]:
    """m(T): theory curves and the Glauber chains."""
    c = data["curves"]
    fig, ax = subplots(figsize=(6, 4.2))
    ax.plot(c["T"], c["m_tdl"], "k-", label="Curie-Weiss, thermodynamic limit")
    ax.plot(c["T"], c["m_critical_law"], "g--", lw=1, label="sqrt(3(bJ-1)/(bJ)^3)")
    ax.plot(c["T_exact"], c["m_abs_exact"], "b:", label=f"exact E|m|, d = {data['dim']}")
    temps = data["temperatures"]
    ax.errorbar(temps, data["m_sim"], yerr=data["m_sim_stderr"], fmt="ro", ms=4, label="Glauber, mean m")
    ax.plot(temps, data["m_abs_sim"], "bx", label="Glauber, mean |m|")
    ax.axvline(1.0, color="gray", lw=0.8)
    ax.set(
        ylim=(-0.05, 1.05), xlabel="temperature T", ylabel="magnetization m", title="One stored pattern: m(T)"
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    return {"magnetization": fig}


def magnetization_summary(data: dict[str, Any]) -> str:
    d = data["dim"]
    m, tdl = np.asarray(data["m_sim"]), np.asarray(data["m_tdl"])
    m_abs, fin = np.asarray(data["m_abs_sim"]), np.asarray(data["m_abs_exact"])
    diff_tdl, diff_fin = np.abs(m - tdl), np.abs(m_abs - fin)
    rows = [
        [
            f"{t:.2f}",
            f"{m[k]:.4f}",
            f"{tdl[k]:.4f}",
            f"{diff_tdl[k]:.4f}",
            f"{m_abs[k]:.4f}",
            f"{fin[k]:.4f}",
            f"{diff_fin[k]:.4f}",
            "yes" if data["critical_window"][k] else "",
        ]
        for k, t in enumerate(data["temperatures"])
    ]
    return (
        f"Hebbian network with one random pattern, d = {d}, Glauber dynamics (the classical network's"
        " sampler),"
        f" {data['chains']} chains started at the pattern, {data['sweeps']} sweeps, the first"
        f" {data['burn_in']} discarded.\n\n"
        + markdown_table(
            [
                "T",
                "m (sim)",
                "m TDL",
                "diff",
                "abs m (sim)",
                "E abs m, exact d=2000",
                "diff",
                "critical window",
            ],
            rows,
        )
        + "\n\nLargest |m_sim - m_TDL| outside the critical window |T - 1| < 0.075:"
        f" {data['max_diff_tdl_outside_window']:.4f}"
        " (target <= 0.03); largest difference of E|m| between simulation and the exact d = 2000 law"
        f" over every T: {data['max_diff_finite_size']:.4f}.\n\n"
        "Seed (003 §2.2.1): T_c = J and m ~ sqrt(3 (beta J - 1)/(beta J)^3) near T_c. Ours: T_c = 1 for the"
        " one-pattern Hebbian network (J = 1). Where the seed is wrong: 003 writes the one-pattern"
        " Hamiltonian as -sum_{i,j} J_ij xi_i xi_j = -N m^2 and concludes J = 2; with its own Glauber rule"
        " P(+1) = (1 + tanh(beta phi_i))/2 the chain samples exp(-beta H) with H = -(1/2) sum_{i != j}"
        " J_ij xi_i xi_j = -(N/2) m^2, i.e. J = 1 and T_c = 1 (as 003 Lemma 2.2.1 finds for the Hopfield"
        " model); the simulation confirms T_c = 1. In the critical window no simulation at d = 2000 can"
        " match the thermodynamic limit within 0.03 (the exact E|m| at T = 1 is"
        f" {data['m_abs_exact_at_T1']:.3f} for d = {d}): there the exact finite-size"
        " value is the reference."
    )


# ---------------------------------------------------------------------------------- free energy
def free_energy_compute(ctx: Context) -> dict[str, Any]:
    """f(m) for several temperatures with its stationary points, and the symmetric n-mixtures: their
    overlap, free energy and Hessian stability against T (``curves`` for the figure)."""
    ns = [1, 2, 3, 4, 5] if ctx.quick else [1, 2, 3, 4, 5, 6, 7]
    crit = {n: sm.mixture_critical_temperature(n) for n in ns}
    states = {n: sm.mixture_state(n, MIXTURE_T) for n in ns}
    mg = np.linspace(-1, 1, 801)
    tg = np.linspace(0.05, 1.1, 60)
    return {
        "mixture_critical_temperature": {str(n): (None if np.isnan(v) else v) for n, v in crit.items()},
        "mixtures_at_T": {
            str(n): {
                "T": MIXTURE_T,
                "m": s.m,
                "f": s.free_energy,
                "stable": s.stable,
                "eigenvalues": s.eigenvalues,
            }
            for n, s in states.items()
        },
        "curie_weiss_roots": {
            str(t): [{"m": r.m, "f": r.free_energy, "stable": r.stable} for r in sm.curie_weiss_roots(1 / t)]
            for t in FREE_ENERGY_TEMPS
        },
        "curves": {
            "m": mg.tolist(),
            "f": {str(t): sm.curie_weiss_free_energy(mg, 1 / t).tolist() for t in FREE_ENERGY_TEMPS},
            "f_T0.8_h0.05": sm.curie_weiss_free_energy(mg, 1 / 0.8, h=0.05).tolist(),
            "T": tg.tolist(),
            "min_eigenvalue": {
                str(n): [min(sm.mixture_state(n, float(t)).eigenvalues.values()) for t in tg] for n in ns[:5]
            },
        },
    }


def free_energy_plot(data: dict[str, Any]) -> dict[str, Any]:
    """f(m) with its roots (filled: stable), and the mixtures' smallest Hessian eigenvalue against T."""
    c = data["curves"]
    fig, axes = subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    for t, f in c["f"].items():
        (line,) = ax.plot(c["m"], f, label=f"T = {t}")
        for r in data["curie_weiss_roots"][t]:
            color = line.get_color()
            ax.plot(r["m"], r["f"], "o", color=color, mfc=color if r["stable"] else "white")
    ax.plot(c["m"], c["f_T0.8_h0.05"], "k--", lw=1, label="T = 0.8, h = 0.05")
    ax.set_xlabel("m")
    ax.set_ylabel("f(m)")
    ax.set_title("Curie-Weiss free energy (filled: stable roots)")
    ax.legend(fontsize=7)
    ax = axes[1]
    for n, values in c["min_eigenvalue"].items():
        ax.plot(c["T"], values, label=f"n = {n}")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(ylim=(-3, 1.1), xlabel="temperature T", ylabel="smallest Hessian eigenvalue")
    ax.set_title("Symmetric n-mixtures: stable where > 0")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return {"free-energy": fig}


def free_energy_summary(data: dict[str, Any]) -> str:
    crit = {int(n): _nan(v) for n, v in data["mixture_critical_temperature"].items()}
    states = {int(n): s for n, s in data["mixtures_at_T"].items()}
    rows = [
        [
            n,
            "never" if np.isnan(crit[n]) else f"{crit[n]:.4f}",
            f"{s['m']:.4f}",
            f"{s['f']:.4f}",
            f"{min(s['eigenvalues'].values()):.4f}",
            "minimum" if s["stable"] else "saddle",
        ]
        for n, s in states.items()
    ]
    root_rows = [
        [float(t), f"{r['m']:.4f}", f"{r['f']:.4f}", "stable" if r["stable"] else "unstable"]
        for t, roots in data["curie_weiss_roots"].items()
        for r in roots
    ]
    return (
        "Curie-Weiss (J = 1, h = 0): the roots of m = tanh(beta m) and their stability:\n\n"
        + markdown_table(["T", "m", "f(m)", "stability"], root_rows)
        + f"\n\nHopfield model at low load, symmetric n-mixtures (at T = {MIXTURE_T} for m, f and the"
        " smallest Hessian eigenvalue):\n\n"
        + markdown_table(
            ["n", "stable below T", "m_n", "f", "smallest eigenvalue", f"at T = {MIXTURE_T}"], rows
        )
        + "\n\nSeed (003 §2.2.2): pure states are minima below T = 1; m^n is a minimum for odd n with"
        " f(m^1) < f(m^3) < ..., never for even n. Ours: the same, with the odd mixtures' own critical"
        f" temperatures (n = 3: {crit.get(3, float('nan')):.3f}, literature 0.461; n = 5:"
        f" {crit.get(5, float('nan')):.3f}). The seed's statement needs this qualifier: odd mixtures"
        " are minima only below their own critical temperature, not for every T < 1."
    )


# ---------------------------------------------------------------------------------- phase diagram
def phase_diagram_compute(ctx: Context) -> dict[str, Any]:
    """alpha_M(T) (retrieval states exist), alpha_c(T) (they are global minima), T_g = 1 + sqrt(alpha)."""
    temps = np.linspace(0.0, 0.95, 8 if ctx.quick else 24)
    pdg = sm.ags_phase_diagram(temps)
    return {
        "temperatures": pdg.temperatures.tolist(),
        "alpha_m": pdg.alpha_m.tolist(),
        "alpha_c": [None if np.isnan(v) else float(v) for v in pdg.alpha_c],
        "alpha_c_T0": float(pdg.alpha_m[0]),
        "alpha_global_T0": float(pdg.alpha_c[0]),
        "alpha_m_T0.02": sm.ags_alpha_c(0.02),
    }


def phase_diagram_plot(data: dict[str, Any]) -> dict[str, Any]:
    """The retrieval lines in the (alpha, T) plane and the spin-glass line."""
    temps = np.asarray(data["temperatures"])
    alpha_c = np.array([_nan(v) for v in data["alpha_c"]])
    fig, ax = subplots(figsize=(6, 4.5))
    ax.plot(data["alpha_m"], temps, "b-o", ms=3, label="T_M: retrieval states exist below")
    ok = ~np.isnan(alpha_c)
    ax.plot(alpha_c[ok], temps[ok], "r-s", ms=3, label="T_c: retrieval states are global minima")
    ag = np.linspace(0, 0.16, 100)
    ax.plot(ag, 1 + np.sqrt(ag), "k--", label="T_g = 1 + sqrt(alpha)")
    ax.set_xlim(0, 0.16)
    ax.set_ylim(0, 1.4)
    ax.set_xlabel("load alpha = P / N")
    ax.set_ylabel("temperature T")
    ax.set_title("Hopfield model, replica symmetric")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return {"phase-diagram": fig}


def phase_diagram_summary(data: dict[str, Any]) -> str:
    rows = [
        [f"{t:.3f}", f"{am:.4f}", "-" if ac is None or np.isnan(ac) else f"{ac:.4f}"]
        for t, am, ac in zip(data["temperatures"], data["alpha_m"], data["alpha_c"], strict=True)
    ]
    return (
        "Replica-symmetric theory (beyond the seeds):\n\n"
        + markdown_table(["T", "alpha_M (retrieval exists below)", "alpha_c (retrieval is global min)"], rows)
        + "\n\n"
        + markdown_table(
            ["quantity", "ours", "literature (AGS)"],
            [
                ["alpha_c(T = 0)", f"{data['alpha_c_T0']:.4f}", "0.138"],
                ["global-minimum line at T = 0", f"{data['alpha_global_T0']:.4f}", "0.051"],
                ["spin-glass line", "T_g = 1 + sqrt(alpha)", "T_g = 1 + sqrt(alpha)"],
                ["alpha_M(T = 0.02)", f"{data['alpha_m_T0.02']:.4f}", "slightly reentrant (RS)"],
            ],
        )
        + "\n\nThe replica-symmetric lines are slightly reentrant at low T (alpha_M peaks a little above"
        " 0.138 near T = 0.02), a known artifact of replica symmetry."
    )


register(
    "statmech-magnetization",
    "Magnetization against temperature: Curie-Weiss theory and Glauber dynamics of a one-pattern network",
    "003 §2.2.1 (eq. (2.8), T_c = J, near-critical law), Definition 2.1.5",
    compute=magnetization_compute,
    plot=magnetization_plot,
    summarize=magnetization_summary,
)
register(
    "statmech-free-energy",
    "Free-energy landscape of the Curie-Weiss model, and pure and mixture states of the Hopfield model",
    "003 §2.2.1 (f(m), eq. (2.8)), §2.2.2 (eq. (2.9), (2.10), Lemmas 2.2.1-2.2.3)",
    compute=free_energy_compute,
    plot=free_energy_plot,
    summarize=free_energy_summary,
)
register(
    "statmech-phase-diagram",
    "Phase diagram of the Hopfield model in the (alpha, T) plane from the replica-symmetric AGS equations",
    "beyond the seeds (Amit, Gutfreund, Sompolinsky 1985, 1987); 003 §2.2.2 at alpha = 0",
    compute=phase_diagram_compute,
    plot=phase_diagram_plot,
    summarize=phase_diagram_summary,
)
