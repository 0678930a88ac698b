// Progressive enhancement of the report form (/report): the building picker
// shows the chosen community's buildings only, the unit picker the chosen
// building's units, and picking a building picks its community. The form
// works the same without this script; officed checks every combination.
(function () {
  'use strict';
  var form = document.getElementById('report');
  if (!form) { return; }
  var community = form.elements.community;
  var building = form.elements.building;
  var unit = form.elements.unit;

  function show(el, on) { el.hidden = !on; el.disabled = !on; }

  function narrowUnits() {
    var opt = building.options[building.selectedIndex];
    var units = null;
    if (opt && opt.getAttribute('data-units')) {
      try { units = JSON.parse(opt.getAttribute('data-units')); } catch (e) { units = null; }
    }
    for (var i = 0; i < unit.options.length; i++) {
      var o = unit.options[i];
      if (o.value) { show(o, !units || units.indexOf(o.value) >= 0); }
    }
    if (unit.selectedIndex > 0 && unit.options[unit.selectedIndex].disabled) { unit.value = ''; }
  }

  function narrowBuildings() {
    var groups = building.getElementsByTagName('optgroup');
    for (var i = 0; i < groups.length; i++) {
      show(groups[i], !community.value || groups[i].getAttribute('data-community') === community.value);
    }
    var opt = building.options[building.selectedIndex];
    if (opt && opt.parentNode.disabled) { building.value = ''; }
    narrowUnits();
  }

  community.addEventListener('change', narrowBuildings);
  building.addEventListener('change', function () {
    var opt = building.options[building.selectedIndex];
    if (opt && opt.parentNode.getAttribute('data-community')) {
      community.value = opt.parentNode.getAttribute('data-community');
    }
    narrowBuildings();
  });
  narrowBuildings();
}());
