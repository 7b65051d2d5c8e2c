"""Command line for instructors: ``curso demo`` and ``curso grade``."""

import argparse
import logging
import sys
import time
from pathlib import Path

from .course import REPO_ROOT, CourseError, prepare_environment
from .exchange import StepFailed

# Exit codes: 0 all graded; 1 a sample got other points than expected (demo);
# 2 the run could not start or a step failed; 3 some submissions are «sin calificar».
EXIT_NEEDS_ATTENTION = 3
WORKERS_HELP = "procesos de calificación del clúster Dask local (por defecto: núcleos)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="curso", description="Redes Neuronales con Python y Keras")
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="ciclo completo con las entregas de ejemplo")
    demo.add_argument(
        "--workdir", type=Path, default=REPO_ROOT / "runs" / time.strftime("demo-%Y%m%d-%H%M%S")
    )
    demo.add_argument(
        "--assignment",
        action="append",
        dest="assignments",
        help="solo esta tarea (se puede repetir)",
    )
    demo.add_argument("--workers", type=int, help=WORKERS_HELP)
    rel = sub.add_parser("release", help="regenera release/ desde source/ con nbgrader")
    rel.add_argument("--assignment", action="append", dest="assignments")
    grade = sub.add_parser("grade", help="califica las entregas de un curso real")
    grade.add_argument("course_dir", type=Path)
    grade.add_argument("--assignment", action="append", dest="assignments")
    grade.add_argument(
        "--no-exchange",
        action="store_true",
        help="no recoger del exchange: calificar lo que ya está en submitted/",
    )
    grade.add_argument("--workers", type=int, help=WORKERS_HELP)
    grade.add_argument(
        "--scheduler",
        metavar="DIRECCION|ARCHIVO",
        help="calificar en un clúster Dask ya en marcha: dirección del planificador "
        "(tcp://servidor:8786) o su archivo (dask scheduler --scheduler-file); "
        "requiere un libro de calificaciones PostgreSQL (deploy/cluster/README.md)",
    )
    grade.add_argument("--force", action="store_true", help="recalificar también lo ya calificado")
    # issue 13: grades into the LMS (autograder/grading/lms.py)
    lms = sub.add_parser("lms", help="CSV de notas para importar en Moodle o Canvas")
    lms.add_argument("course_dir", type=Path)
    lms.add_argument("--formato", required=True, choices=["moodle", "canvas"])
    lms.add_argument("--mapa", required=True, type=Path, help="CSV alumno,lms[,nombre,seccion]")
    lms.add_argument(
        "--campo",
        help="identificador del LMS en el mapa: moodle username|email|idnumber "
        "(por defecto username); canvas id|sis_user_id|sis_login_id (por defecto sis_login_id)",
    )
    lms.add_argument("--salida", type=Path, help="por defecto informes/notas_<formato>.csv")
    return p


def _lms(args) -> int:
    from .course import open_course
    from .lms import read_grades, read_mapping, unmapped_message, write_lms_csv

    try:
        course = open_course(args.course_dir)
        dest = args.salida or course.folder("informes") / f"notas_{args.formato}.csv"
        export = write_lms_csv(
            read_grades(course), read_mapping(args.mapa), args.formato, dest, args.campo
        )
    except CourseError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    print(f"{export.path}: {len(export.written)} alumnos, formato {args.formato}")
    if export.unmapped:
        print(unmapped_message(export.unmapped, args.mapa), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    prepare_environment()
    from ..content.demo import run_demo
    from .cycle import grade_course
    from .report import all_as_expected, render, ungraded
    from .runner import quiet_nbgrader_warnings

    quiet_nbgrader_warnings()

    if args.command == "lms":
        return _lms(args)
    if args.command == "release":
        from .release import generate_release

        done = generate_release(REPO_ROOT / "release", assignments=args.assignments)
        print(f"release/ regenerado: {', '.join(done)}")
        return 0
    try:
        if args.command == "demo":
            report = run_demo(args.workdir, args.assignments, workers=args.workers)
        else:
            report = grade_course(
                args.course_dir,
                args.assignments,
                use_exchange=not args.no_exchange,
                workers=args.workers,
                force=args.force,
                scheduler=args.scheduler,
            )
    except (CourseError, StepFailed) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    print()
    print(render(report))
    if args.command == "demo" and not all_as_expected(report):
        print("\nERROR: alguna entrega de ejemplo no obtuvo los puntos esperados.", file=sys.stderr)
        return 1
    waiting = ungraded(report)
    if waiting:
        print(
            f"\nATENCIÓN: {len(waiting)} entregas sin calificar (motivos arriba, en "
            "informes/calificaciones.csv y en el registro): corrígelas y vuelve a ejecutar.",
            file=sys.stderr,
        )
        return EXIT_NEEDS_ATTENTION
    return 0


if __name__ == "__main__":
    sys.exit(main())
