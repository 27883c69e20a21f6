# Runs BIN with ARGS (comma-separated) and writes what it prints to OUT; a failing run
# fails the build and leaves no OUT behind.
string(REPLACE "," ";" args "${ARGS}")
get_filename_component(folder "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${folder}")
execute_process(COMMAND "${BIN}" ${args} OUTPUT_FILE "${OUT}.part" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUT}.part")
  message(FATAL_ERROR "${BIN} ${args}: ${status}")
endif()
file(RENAME "${OUT}.part" "${OUT}")
