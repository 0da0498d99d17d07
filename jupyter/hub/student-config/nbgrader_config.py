# nbgrader in a student's server on gradlab's hub (jupyter/hub/jupyterhub_config.py puts
# this folder on the server's JUPYTER_CONFIG_PATH): the course, the exchange the teacher
# releases into and collects from, and who the student is. On one server every student's
# server runs as the hub's system user, so nbgrader cannot tell students apart by account:
# the student is the hub's user name (JUPYTERHUB_USER), which the hub sets.
import os

c = get_config()  # noqa: F821 - nbgrader's config loader defines it
c.CourseDirectory.course_id = os.environ.get("GRADLAB_COURSE_ID", "gradlab")
c.Exchange.root = os.environ.get("GRADLAB_NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
if os.environ.get("JUPYTERHUB_USER"):
    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
