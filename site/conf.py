# The course website's Sphinx configuration (myst-nb reads the notebooks, the
# sphinx-book-theme draws the pages: the same stack as Jupyter Book 1.x).
# `bash dev.sh site` copies this file next to the notebooks and builds _build/html.
#
# ---- what a teacher sets -------------------------------------------------------
# The JupyterHub the "launch" button opens (nbgitpuller copies the repository into
# the student's home there first). Leave it empty for no JupyterHub button.
jupyterhub_url = "https://hub.example.edu"
# The repository the Binder and JupyterHub buttons launch, and its branch.
repository_url = "https://github.com/gradlab/gradlab"
repository_branch = "main"
# --------------------------------------------------------------------------------

project = "gradlab: a course on automatic differentiation"
author = "the gradlab authors"
copyright = "the gradlab authors"

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "assets"]
myst_enable_extensions = ["dollarmath", "amsmath"]

# The notebooks are shown with the outputs stored in them: nothing is executed.
nb_execution_mode = "off"
# Saved widget state renders with the vendored widget manager (no CDN: offline).
nb_ipywidgets_js = {
    "widgets/assets-path.js": {},
    "widgets/require.js": {},
    "widgets/embed-amd.js": {},
}
# Formulas render with the MathJax copied into _static/mathjax (no CDN: offline).
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# MathJax 2.7 with the STIX web fonts that package ships; formulas are in the elements
# Sphinx marks "math". MathJax's blank test font is looked up locally, not at about:blank
# (which chromium reports as an error).
# The MathML that MathJax hides in each formula for screen readers is styled by the
# combined configuration's NativeMML output, whose six @font-face rules point at TeX web
# fonts that jupyter-server-mathjax does not ship (fonts/HTML-CSS/TeX/otf): chromium
# requests them (a 404) for the hidden copy of \mathbb, \mathcal, \mathfrak, \mathscr.
# Those rules look the fonts up locally instead; the visible formulas use STIX-Web.
_NATIVE_MML_FONTS = ["Caligraphic", "Caligraphic", "AMS", "Script", "Fraktur", "Fraktur"]
mathjax2_config = {
    "NativeMML": {"styles": {f"@font-face /*{n}*/": {"src": f"local('MathJax_{name}')"}
                             for n, name in enumerate(_NATIVE_MML_FONTS, 1)}},
    "HTML-CSS": {
        "availableFonts": [], "webFont": "STIX-Web", "imageFont": None,
        "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"}},
    },
    "tex2jax": {"processClass": "tex2jax_process|mathjax_process|math|output_area"},
}

html_theme = "sphinx_book_theme"
html_title = "gradlab course"
html_favicon = "favicon.svg"
html_static_path = ["_static"]
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": repository_url,
    "repository_branch": repository_branch,
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "jupyterhub_url": jupyterhub_url,
        "notebook_interface": "jupyterlab",
    },
    "show_navbar_depth": 1,
}
html_last_updated_fmt = None
