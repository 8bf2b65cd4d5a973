"""STATS19 code lists: every coded field of a collision report, with the labels the Department for
Transport publishes in its road safety open data guide (the 2025 guide, describing 2024 data).

OnBeat records on the code lists the police have used since the 2011 STATS19 specification. For
six fields the 2024 revision of STATS19 brought in new lists; the data guide keeps the earlier
coding in columns ending `_historic` (junction_detail, pedestrian crossing human control and
physical facilities, carriageway_hazards, vehicle_manoeuvre, vehicle_location_restricted_lane,
journey_purpose_of_driver), and the export writes OnBeat's values there (see `export.py`).

Each list maps the code to its label; -1 "Data missing or out of range" appears where the guide
has it. Keys are the guide's field names, so a list can be looked up by the export's column name.
"""

from __future__ import annotations

MISSING = "Data missing or out of range"


def _codes(*pairs: tuple[int, str], missing: bool = True) -> dict[int, str]:
    out = dict(pairs)
    if missing:
        out[-1] = MISSING
    return out


POLICE_FORCE = _codes(
    (1, "Metropolitan Police"), (3, "Cumbria"), (4, "Lancashire"), (5, "Merseyside"), (6, "Greater Manchester"),
    (7, "Cheshire"), (10, "Northumbria"), (11, "Durham"), (12, "North Yorkshire"), (13, "West Yorkshire"),
    (14, "South Yorkshire"), (16, "Humberside"), (17, "Cleveland"), (20, "West Midlands"), (21, "Staffordshire"),
    (22, "West Mercia"), (23, "Warwickshire"), (30, "Derbyshire"), (31, "Nottinghamshire"), (32, "Lincolnshire"),
    (33, "Leicestershire"), (34, "Northamptonshire"), (35, "Cambridgeshire"), (36, "Norfolk"), (37, "Suffolk"),
    (40, "Bedfordshire"), (41, "Hertfordshire"), (42, "Essex"), (43, "Thames Valley"), (44, "Hampshire"),
    (45, "Surrey"), (46, "Kent"), (47, "Sussex"), (48, "City of London"), (50, "Devon and Cornwall"),
    (52, "Avon and Somerset"), (53, "Gloucestershire"), (54, "Wiltshire"), (55, "Dorset"), (60, "North Wales"),
    (61, "Gwent"), (62, "South Wales"), (63, "Dyfed-Powys"), (99, "Police Scotland"), missing=False)

SEVERITY = _codes((1, "Fatal"), (2, "Serious"), (3, "Slight"), missing=False)
ENHANCED_SEVERITY = _codes((1, "Fatal"), (5, "Very serious"), (6, "Moderately serious"), (7, "Less serious"),
                           (3, "Slight"))
INJURY_BASED = _codes((0, "Based on severity reporting"), (1, "Based on injury code reporting"), missing=False)
DAY_OF_WEEK = _codes((1, "Sunday"), (2, "Monday"), (3, "Tuesday"), (4, "Wednesday"), (5, "Thursday"),
                     (6, "Friday"), (7, "Saturday"), missing=False)

ROAD_CLASS = _codes((1, "Motorway"), (2, "A(M)"), (3, "A"), (4, "B"), (5, "C"), (6, "Unclassified"))
SECOND_ROAD_CLASS = _codes((0, "Not at junction or within 20 metres"), (1, "Motorway"), (2, "A(M)"), (3, "A"),
                           (4, "B"), (5, "C"), (6, "Unclassified"), (9, "Unknown (self reported)"))
# Road classes whose roads carry an official number; C and unclassified roads are recorded as 0.
NUMBERED_ROAD_CLASSES = frozenset({1, 2, 3, 4})
ROAD_TYPE = _codes((1, "Roundabout"), (2, "One way street"), (3, "Dual carriageway"), (6, "Single carriageway"),
                   (7, "Slip road"), (9, "Unknown"), (12, "One way street/Slip road"))
SPEED_LIMITS = (20, 30, 40, 50, 60, 70)
SPEED_LIMIT = _codes(*((s, f"{s} mph") for s in SPEED_LIMITS))
JUNCTION_DETAIL = _codes(
    (0, "Not at junction or within 20 metres"), (1, "Roundabout"), (2, "Mini-roundabout"),
    (3, "T or staggered junction"), (5, "Slip road"), (6, "Crossroads"), (7, "More than 4 arms (not roundabout)"),
    (8, "Private drive or entrance"), (9, "Other junction"), (99, "Unknown (self reported)"))
NOT_AT_JUNCTION = 0
PRIVATE_DRIVE = 8
JUNCTION_CONTROL = _codes(
    (0, "Not at junction or within 20 metres"), (1, "Authorised person"), (2, "Auto traffic signal"),
    (3, "Stop sign"), (4, "Give way or uncontrolled"), (9, "Unknown (self reported)"))
PEDESTRIAN_CROSSING_HUMAN_CONTROL = _codes(
    (0, "None within 50 metres"), (1, "Control by school crossing patrol"),
    (2, "Control by other authorised person"), (9, "Unknown (self reported)"))
PEDESTRIAN_CROSSING_PHYSICAL_FACILITIES = _codes(
    (0, "No physical crossing facilities within 50 metres"), (1, "Zebra"),
    (4, "Pelican, puffin, toucan or similar non-junction pedestrian light crossing"),
    (5, "Pedestrian phase at traffic signal junction"), (7, "Footbridge or subway"), (8, "Central refuge"),
    (9, "Unknown (self reported)"))
LIGHT_CONDITIONS = _codes((1, "Daylight"), (4, "Darkness - lights lit"), (5, "Darkness - lights unlit"),
                          (6, "Darkness - no lighting"), (7, "Darkness - lighting unknown"))
WEATHER_CONDITIONS = _codes(
    (1, "Fine no high winds"), (2, "Raining no high winds"), (3, "Snowing no high winds"), (4, "Fine + high winds"),
    (5, "Raining + high winds"), (6, "Snowing + high winds"), (7, "Fog or mist"), (8, "Other"), (9, "Unknown"))
ROAD_SURFACE_CONDITIONS = _codes(
    (1, "Dry"), (2, "Wet or damp"), (3, "Snow"), (4, "Frost or ice"), (5, "Flood over 3cm. deep"),
    (6, "Oil or diesel"), (7, "Mud"), (9, "Unknown (self reported)"))
SPECIAL_CONDITIONS_AT_SITE = _codes(
    (0, "None"), (1, "Auto traffic signal - out"), (2, "Auto signal part defective"),
    (3, "Road sign or marking defective or obscured"), (4, "Roadworks"), (5, "Road surface defective"),
    (6, "Oil or diesel"), (7, "Mud"), (9, "Unknown (self reported)"))
CARRIAGEWAY_HAZARDS = _codes(
    (0, "None"), (1, "Vehicle load on road"), (2, "Other object on road"), (3, "Previous accident"),
    (4, "Dog on road"), (5, "Other animal on road"), (6, "Pedestrian in carriageway - not injured"),
    (7, "Any animal in carriageway (except ridden horse)"), (9, "Unknown (self reported)"))
URBAN_OR_RURAL_AREA = _codes((1, "Urban"), (2, "Rural"), (3, "Unallocated"))
POLICE_ATTENDED = _codes((1, "Yes"), (2, "No"),
                         (3, "No - accident was reported using a self completion form (self rep only)"))
TRUNK_ROAD_FLAG = _codes((1, "Trunk (roads managed by Highways England)"), (2, "Non-trunk"))

# --- vehicle ------------------------------------------------------------------------------------

VEHICLE_TYPE = _codes(
    (1, "Pedal cycle"), (2, "Motorcycle 50cc and under"), (3, "Motorcycle 125cc and under"),
    (4, "Motorcycle over 125cc and up to 500cc"), (5, "Motorcycle over 500cc"), (8, "Taxi/Private hire car"),
    (9, "Car"), (10, "Minibus (8 - 16 passenger seats)"), (11, "Bus or coach (17 or more pass seats)"),
    (16, "Ridden horse"), (17, "Agricultural vehicle"), (18, "Tram"), (19, "Van / Goods 3.5 tonnes mgw or under"),
    (20, "Goods over 3.5t. and under 7.5t"), (21, "Goods 7.5 tonnes mgw and over"), (22, "Mobility scooter"),
    (23, "Electric motorcycle"), (90, "Other vehicle"), (97, "Motorcycle - unknown cc"),
    (98, "Goods vehicle - unknown weight"), (99, "Unknown vehicle type (self rep only)"))
CARS = frozenset({8, 9})                 # car_passenger applies to occupants of these
BUSES = frozenset({10, 11})              # bus_or_coach_passenger applies to occupants of these
OTHER_VEHICLE = 90                       # how an e-scooter is recorded (with escooter_flag 1)
TOWING_AND_ARTICULATION = _codes(
    (0, "No tow/articulation"), (1, "Articulated vehicle"), (2, "Double or multiple trailer"), (3, "Caravan"),
    (4, "Single trailer"), (5, "Other tow"), (9, "Unknown (self reported)"))
VEHICLE_MANOEUVRE = _codes(
    (1, "Reversing"), (2, "Parked"), (3, "Waiting to go - held up"), (4, "Slowing or stopping"), (5, "Moving off"),
    (6, "U-turn"), (7, "Turning left"), (8, "Waiting to turn left"), (9, "Turning right"),
    (10, "Waiting to turn right"), (11, "Changing lane to left"), (12, "Changing lane to right"),
    (13, "Overtaking moving vehicle - offside"), (14, "Overtaking static vehicle - offside"),
    (15, "Overtaking - nearside"), (16, "Going ahead left-hand bend"), (17, "Going ahead right-hand bend"),
    (18, "Going ahead other"), (99, "Unknown (self reported)"))
PARKED = 2
DIRECTION = _codes(
    (0, "Parked"), (1, "North"), (2, "North East"), (3, "East"), (4, "South East"), (5, "South"),
    (6, "South West"), (7, "West"), (8, "North West"), (9, "Unknown (self reported)"))
VEHICLE_LOCATION_RESTRICTED_LANE = _codes(
    (0, "On main c'way - not in restricted lane"), (1, "Tram/Light rail track"), (2, "Bus lane"),
    (3, "Busway (including guided busway)"), (4, "Cycle lane (on main carriageway)"),
    (5, "Cycleway or shared use footway (not part of main carriageway)"), (6, "On lay-by or hard shoulder"),
    (7, "Entering lay-by or hard shoulder"), (8, "Leaving lay-by or hard shoulder"), (9, "Footway (pavement)"),
    (10, "Not on carriageway"), (99, "Unknown (self reported)"))
JUNCTION_LOCATION = _codes(
    (0, "Not at or within 20 metres of junction"), (1, "Approaching junction or waiting/parked at junction approach"),
    (2, "Cleared junction or waiting/parked at junction exit"), (3, "Leaving roundabout"), (4, "Entering roundabout"),
    (5, "Leaving main road"), (6, "Entering main road"), (7, "Entering from slip road"),
    (8, "Mid junction - on roundabout or on main road"), (9, "Unknown (self reported)"))
SKIDDING_AND_OVERTURNING = _codes(
    (0, "None"), (1, "Skidded"), (2, "Skidded and overturned"), (3, "Jackknifed"), (4, "Jackknifed and overturned"),
    (5, "Overturned"), (9, "Unknown (self reported)"))
HIT_OBJECT_IN_CARRIAGEWAY = _codes(
    (0, "None"), (1, "Previous accident"), (2, "Road works"), (4, "Parked vehicle"), (5, "Bridge (roof)"),
    (6, "Bridge (side)"), (7, "Bollard or refuge"), (8, "Open door of vehicle"), (9, "Central island of roundabout"),
    (10, "Kerb"), (11, "Other object"), (12, "Any animal (except ridden horse)"), (99, "Unknown (self reported)"))
VEHICLE_LEAVING_CARRIAGEWAY = _codes(
    (0, "Did not leave carriageway"), (1, "Nearside"), (2, "Nearside and rebounded"),
    (3, "Straight ahead at junction"), (4, "Offside on to central reservation"),
    (5, "Offside on to central reservation and rebounded"), (6, "Offside - crossed central reservation"),
    (7, "Offside"), (8, "Offside and rebounded"), (9, "Unknown (self reported)"))
HIT_OBJECT_OFF_CARRIAGEWAY = _codes(
    (0, "None"), (1, "Road sign or traffic signal"), (2, "Lamp post"), (3, "Telegraph or electricity pole"),
    (4, "Tree"), (5, "Bus stop or bus shelter"), (6, "Central crash barrier"), (7, "Near/Offside crash barrier"),
    (8, "Submerged in water"), (9, "Entered ditch"), (10, "Other permanent object"), (11, "Wall or fence"),
    (99, "Unknown (self reported)"))
FIRST_POINT_OF_IMPACT = _codes(
    (0, "Did not impact"), (1, "Front"), (2, "Back"), (3, "Offside"), (4, "Nearside"), (9, "Unknown (self reported)"))
LEFT_HAND_DRIVE = _codes((1, "No"), (2, "Yes"), (9, "Unknown"))
JOURNEY_PURPOSE = _codes(
    (1, "Journey as part of work"), (2, "Commuting to/from work"), (3, "Taking pupil to/from school"),
    (4, "Pupil riding to/from school"), (5, "Other"), (6, "Not known"))
SEX_OF_DRIVER = _codes((1, "Male"), (2, "Female"), (3, "Not known"))
AGE_BAND = _codes(
    (1, "0 - 5"), (2, "6 - 10"), (3, "11 - 15"), (4, "16 - 20"), (5, "21 - 25"), (6, "26 - 35"), (7, "36 - 45"),
    (8, "46 - 55"), (9, "56 - 65"), (10, "66 - 75"), (11, "Over 75"))
PROPULSION = _codes(
    (1, "Petrol"), (2, "Heavy oil"), (3, "Electric"), (4, "Steam"), (5, "Gas"), (6, "Petrol/Gas (LPG)"),
    (7, "Gas/Bi-fuel"), (8, "Hybrid electric"), (9, "Gas Diesel"), (10, "New fuel technology"), (11, "Fuel cells"),
    (12, "Electric diesel"))
ESCOOTER_FLAG = _codes((0, "Vehicle was not an e-scooter"), (1, "Vehicle was an e-scooter"), missing=False)
IMD_DECILE = _codes(
    (1, "Most deprived 10%"), (2, "More deprived 10-20%"), (3, "More deprived 20-30%"), (4, "More deprived 30-40%"),
    (5, "More deprived 40-50%"), (6, "Less deprived 40-50%"), (7, "Less deprived 30-40%"),
    (8, "Less deprived 20-30%"), (9, "Less deprived 10-20%"), (10, "Least deprived 10%"))
DISTANCE_BANDING = _codes(
    (1, "Within 5km of home postcode"), (2, "Between 5.001 and 10km of home postcode"),
    (3, "Between 10.001 and 20km of home postcode"), (4, "Between 20.001 and 100km of home postcode"),
    (5, "Over 100km of home postcode"))

# --- casualty -----------------------------------------------------------------------------------

CASUALTY_CLASS = _codes((1, "Driver or rider"), (2, "Passenger"), (3, "Pedestrian"), missing=False)
DRIVER, PASSENGER, PEDESTRIAN = 1, 2, 3
SEX_OF_CASUALTY = _codes((1, "Male"), (2, "Female"), (9, "Unknown (self reported)"))
PEDESTRIAN_LOCATION = _codes(
    (0, "Not a pedestrian"), (1, "Crossing on pedestrian crossing facility"), (2, "Crossing in zig-zag approach lines"),
    (3, "Crossing in zig-zag exit lines"), (4, "Crossing elsewhere within 50m. of pedestrian crossing"),
    (5, "In carriageway, crossing elsewhere"), (6, "On footway or verge"),
    (7, "On refuge, central island or central reservation"),
    (8, "In centre of carriageway - not on refuge, island or central reservation"),
    (9, "In carriageway, not crossing"), (10, "Unknown or other"))
PEDESTRIAN_MOVEMENT = _codes(
    (0, "Not a pedestrian"), (1, "Crossing from driver's nearside"),
    (2, "Crossing from nearside - masked by parked or stationary vehicle"), (3, "Crossing from driver's offside"),
    (4, "Crossing from offside - masked by parked or stationary vehicle"),
    (5, "In carriageway, stationary - not crossing (standing or playing)"),
    (6, "In carriageway, stationary - not crossing (standing or playing) - masked by parked or stationary vehicle"),
    (7, "Walking along in carriageway, facing traffic"), (8, "Walking along in carriageway, back to traffic"),
    (9, "Unknown or other"))
CAR_PASSENGER = _codes((0, "Not car passenger"), (1, "Front seat passenger"), (2, "Rear seat passenger"),
                       (9, "Unknown (self reported)"))
BUS_OR_COACH_PASSENGER = _codes(
    (0, "Not a bus or coach passenger"), (1, "Boarding"), (2, "Alighting"), (3, "Standing passenger"),
    (4, "Seated passenger"), (9, "Unknown (self reported)"))
ROAD_MAINTENANCE_WORKER = _codes((0, "No / Not applicable"), (1, "Yes"), (2, "Not known"))
CASUALTY_TYPE = _codes(
    (0, "Pedestrian"), (1, "Cyclist"), (2, "Motorcycle 50cc and under rider or passenger"),
    (3, "Motorcycle 125cc and under rider or passenger"),
    (4, "Motorcycle over 125cc and up to 500cc rider or passenger"), (5, "Motorcycle over 500cc rider or passenger"),
    (8, "Taxi/Private hire car occupant"), (9, "Car occupant"), (10, "Minibus (8 - 16 passenger seats) occupant"),
    (11, "Bus or coach occupant (17 or more pass seats)"), (16, "Horse rider"), (17, "Agricultural vehicle occupant"),
    (18, "Tram occupant"), (19, "Van / Goods vehicle (3.5 tonnes mgw or under) occupant"),
    (20, "Goods vehicle (over 3.5t. and under 7.5t.) occupant"),
    (21, "Goods vehicle (7.5 tonnes mgw and over) occupant"),
    (22, "Mobility scooter rider"), (23, "Electric motorcycle rider or passenger"), (90, "Other vehicle occupant"),
    (97, "Motorcycle - unknown cc rider or passenger"), (98, "Goods vehicle (unknown weight) occupant"),
    (99, "Unknown vehicle type (self rep only)"))
PEDESTRIAN_CASUALTY_TYPE = 0

# The casualty type of a vehicle's occupant: each vehicle type has the casualty type with the same
# code (pedal cycle 1 -> cyclist 1, ridden horse 16 -> horse rider 16, car 9 -> car occupant 9...).
CASUALTY_TYPE_FOR_VEHICLE: dict[int, int] = {v: v for v in VEHICLE_TYPE}
assert set(CASUALTY_TYPE_FOR_VEHICLE.values()) <= set(CASUALTY_TYPE)

# Age bands of the guide: (upper age, band); -1 (age unknown) is band -1.
_BAND_UPPER = ((5, 1), (10, 2), (15, 3), (20, 4), (25, 5), (35, 6), (45, 7), (55, 8), (65, 9), (75, 10))
MAX_AGE = 120


def age_band(age: int | None) -> int:
    """The guide's age band for an age in years: 0-5 is 1 ... over 75 is 11; unknown (-1 or None) is -1."""
    if age is None or age < 0:
        return -1
    for upper, band in _BAND_UPPER:
        if age <= upper:
            return band
    return 11


# Every list by the field name it codes (the data guide's names), for the form, the API and the export.
FIELDS: dict[str, dict[int, str]] = {
    "police_force": POLICE_FORCE, "collision_severity": SEVERITY, "enhanced_severity_collision": ENHANCED_SEVERITY,
    "collision_injury_based": INJURY_BASED, "day_of_week": DAY_OF_WEEK, "first_road_class": ROAD_CLASS,
    "road_type": ROAD_TYPE, "speed_limit": SPEED_LIMIT, "junction_detail": JUNCTION_DETAIL,
    "junction_control": JUNCTION_CONTROL, "second_road_class": SECOND_ROAD_CLASS,
    "pedestrian_crossing_human_control": PEDESTRIAN_CROSSING_HUMAN_CONTROL,
    "pedestrian_crossing_physical_facilities": PEDESTRIAN_CROSSING_PHYSICAL_FACILITIES,
    "light_conditions": LIGHT_CONDITIONS, "weather_conditions": WEATHER_CONDITIONS,
    "road_surface_conditions": ROAD_SURFACE_CONDITIONS, "special_conditions_at_site": SPECIAL_CONDITIONS_AT_SITE,
    "carriageway_hazards": CARRIAGEWAY_HAZARDS, "urban_or_rural_area": URBAN_OR_RURAL_AREA,
    "did_police_officer_attend_scene_of_accident": POLICE_ATTENDED, "trunk_road_flag": TRUNK_ROAD_FLAG,
    "vehicle_type": VEHICLE_TYPE, "towing_and_articulation": TOWING_AND_ARTICULATION,
    "vehicle_manoeuvre": VEHICLE_MANOEUVRE, "vehicle_direction_from": DIRECTION, "vehicle_direction_to": DIRECTION,
    "vehicle_location_restricted_lane": VEHICLE_LOCATION_RESTRICTED_LANE, "junction_location": JUNCTION_LOCATION,
    "skidding_and_overturning": SKIDDING_AND_OVERTURNING, "hit_object_in_carriageway": HIT_OBJECT_IN_CARRIAGEWAY,
    "vehicle_leaving_carriageway": VEHICLE_LEAVING_CARRIAGEWAY,
    "hit_object_off_carriageway": HIT_OBJECT_OFF_CARRIAGEWAY,
    "first_point_of_impact": FIRST_POINT_OF_IMPACT, "vehicle_left_hand_drive": LEFT_HAND_DRIVE,
    "journey_purpose_of_driver": JOURNEY_PURPOSE, "sex_of_driver": SEX_OF_DRIVER, "age_band_of_driver": AGE_BAND,
    "propulsion_code": PROPULSION, "escooter_flag": ESCOOTER_FLAG, "driver_imd_decile": IMD_DECILE,
    "driver_distance_banding": DISTANCE_BANDING,
    "casualty_class": CASUALTY_CLASS, "sex_of_casualty": SEX_OF_CASUALTY, "age_band_of_casualty": AGE_BAND,
    "casualty_severity": SEVERITY, "enhanced_casualty_severity": ENHANCED_SEVERITY,
    "pedestrian_location": PEDESTRIAN_LOCATION, "pedestrian_movement": PEDESTRIAN_MOVEMENT,
    "car_passenger": CAR_PASSENGER, "bus_or_coach_passenger": BUS_OR_COACH_PASSENGER,
    "pedestrian_road_maintenance_worker": ROAD_MAINTENANCE_WORKER, "casualty_type": CASUALTY_TYPE,
    "casualty_injury_based": INJURY_BASED, "casualty_imd_decile": IMD_DECILE,
    "casualty_distance_banding": DISTANCE_BANDING,
}


def road_name(road_class: int, number: int | None) -> str:
    """How a road is written: M40, A329(M), A4, B3350; C and unclassified roads by their class."""
    if road_class in NUMBERED_ROAD_CLASSES and number and number > 0:
        return {1: f"M{number}", 2: f"A{number}(M)", 3: f"A{number}", 4: f"B{number}"}[road_class]
    return {5: "C road", 6: "Unclassified road"}.get(road_class, ROAD_CLASS.get(road_class, str(road_class)))


def label(field: str, code: int | None) -> str:
    """The label of a code ('' when there is none), for pages."""
    if code is None:
        return ""
    return FIELDS.get(field, {}).get(code, str(code))
