# CTest driver for browser_site_a11y: renders the fixture site, then runs the
# headless chromium test over it. Variables: RENDERER NODE SCRIPT SITE_DIR
# ARTIFACT_DIR.
file(REMOVE_RECURSE ${SITE_DIR})
execute_process(COMMAND ${RENDERER} ${SITE_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "localization_render_fixture failed (${rc})")
endif()
get_filename_component(browser_dir ${SCRIPT} DIRECTORY)
if(NOT EXISTS ${browser_dir}/node_modules/playwright-core)
  message(FATAL_ERROR "run `npm install` in ${browser_dir} first (playwright-core, axe-core)")
endif()
execute_process(COMMAND ${NODE} ${SCRIPT} --dir ${SITE_DIR} --out ${ARTIFACT_DIR}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "site_a11y.mjs failed (${rc}); artifacts in ${ARTIFACT_DIR}")
endif()
